// Golden feeds: every case renders to exactly the committed bytes, twice in a row and in another process TZ.
import { execFileSync } from "node:child_process";
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

  it("renders the demo case to the same bytes in a process whose TZ is Pacific/Auckland", async () => {
    const module = new URL("../support/render-cases.ts", import.meta.url).pathname;
    const script = [
      `import { digestFeeds, renderCase, renderCaseNamed } from ${JSON.stringify(module)};`,
      "const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;",
      "const offset = new Date(Date.UTC(2027, 0, 15)).getTimezoneOffset();",
      'const digest = await digestFeeds(await renderCase(renderCaseNamed("demo")));',
      "console.log(JSON.stringify({ zone, offset, digest }));",
    ].join("\n");
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      env: { ...process.env, TZ: "Pacific/Auckland" },
      encoding: "utf8",
    });
    const child = JSON.parse(out.trim().split("\n").pop()!) as {
      zone: string;
      offset: number;
      digest: string;
    };
    // The child really ran in New Zealand summer time (UTC+13), unlike this process.
    expect([child.zone, child.offset]).toEqual(["Pacific/Auckland", -780]);
    expect(new Date(Date.UTC(2027, 0, 15)).getTimezoneOffset()).not.toBe(-780);
    expect(child.digest).toBe(await digestFeeds(await renderCase(renderCaseNamed("demo"))));
  });
});
