// Golden feeds: every case renders to exactly the committed bytes, twice in a row and in processes of other TZs.
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

  // The process zone must not matter: every case again in child processes whose TZ is far from UTC and from
  // each other (New Zealand summer time +13, Pacific time −8, Newfoundland −03:30).
  it.each([
    ["Pacific/Auckland", -780],
    ["America/Los_Angeles", 480],
    ["America/St_Johns", 210],
  ])("renders every case to its golden bytes in a process whose TZ is %s", async (zone, offset) => {
    const module = new URL("../support/render-cases.ts", import.meta.url).pathname;
    const script = [
      `import { digestFeeds, RENDER_CASES, renderCase } from ${JSON.stringify(module)};`,
      "const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;",
      "const offset = new Date(Date.UTC(2027, 0, 15)).getTimezoneOffset();",
      "const digests = {};",
      "for (const c of RENDER_CASES) digests[c.name] = await digestFeeds(await renderCase(c));",
      "console.log(JSON.stringify({ zone, offset, digests }));",
    ].join("\n");
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      env: { ...process.env, TZ: zone },
      encoding: "utf8",
    });
    const child = JSON.parse(out.trim().split("\n").pop()!) as {
      zone: string;
      offset: number;
      digests: Record<string, string>;
    };
    // The child really ran in that zone.
    expect([child.zone, child.offset]).toEqual([zone, offset]);
    for (const c of RENDER_CASES) {
      expect(child.digests[c.name], `${c.name} under TZ=${zone}`).toBe(await digestFeeds(readGolden(c.name)));
    }
  });
});
