// Golden feeds: every case renders to exactly the committed bytes, twice in a row (in other process time zones:
// process-zone.test.ts).
import { describe, expect, it } from "vitest";
import {
  CASE_SETTINGS,
  digestFeeds,
  RENDER_CASES,
  readGolden,
  renderCase,
  renderCaseNamed,
} from "../support/render-cases.ts";

const UPDATE_HINT = "run `npm run golden:update` and review the diff of fixtures/golden/ before committing";
const decoder = new TextDecoder();

describe.each(RENDER_CASES.map((c) => [c.name, c] as const))("golden case %s", (_name, c) => {
  it("renders every feed byte for byte as its golden file, with no file missing or extra", async () => {
    const rendered = await renderCase(c);
    const golden = readGolden(c.name);
    expect(
      [...golden.keys()],
      `golden files of \`${c.name}\` differ from the rendered feeds: ${UPDATE_HINT}`,
    ).toEqual([...rendered.keys()]);
    for (const [name, bytes] of rendered) {
      const want = golden.get(name)!;
      // Compare as text first for a readable diff, then as bytes (a text compare could hide invalid UTF-8).
      expect(decoder.decode(bytes), `${c.name}/${name} changed: ${UPDATE_HINT}`).toBe(decoder.decode(want));
      expect(
        Buffer.from(bytes).equals(Buffer.from(want)),
        `${c.name}/${name} bytes changed: ${UPDATE_HINT}`,
      ).toBe(true);
    }
  });
});

describe("determinism", () => {
  it("renders the same bytes with and without the rendered-event cache", async () => {
    const c = renderCaseNamed("revisions");
    const uncached = await renderCase(c, { ...CASE_SETTINGS, eventCacheChars: 0 });
    expect(await digestFeeds(uncached)).toBe(await digestFeeds(await renderCase(c)));
  });

  it("renders the same case twice to the same bytes", async () => {
    const c = renderCaseNamed("revisions");
    expect(await digestFeeds(await renderCase(c))).toBe(await digestFeeds(await renderCase(c)));
  });
});
