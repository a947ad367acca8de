// findDuplicateKeys and tooDeepAt: what only the JSON text shows (duplicate keys, nesting depth).
import { describe, expect, it } from "vitest";
import { formatPath, type Path } from "../../../src/core/snapshot/json-path.ts";
import { findDuplicateKeys, tooDeepAt } from "../../../src/core/snapshot/json-text.ts";

function duplicates(text: string): string[] {
  JSON.parse(text); // the scan's precondition
  const out: string[] = [];
  findDuplicateKeys(text, (path, key) => {
    expect(path.at(-1)).toBe(key);
    out.push(formatPath(path));
  });
  return out;
}

describe("findDuplicateKeys", () => {
  it("finds a repeated key at the root, and each later occurrence", () => {
    expect(duplicates('{"revision":2,"revision":1}')).toEqual(["$.revision"]);
    expect(duplicates('{"a":1,"b":2,"a":3,"a":4}')).toEqual(["$.a", "$.a"]);
  });

  it("locates a duplicate inside arrays and nested objects", () => {
    const text =
      '{"assignments":[{"id":"a"},{"id":"b"},{},{"date":"x","id":"d","date":"y"}],"z":{"q":{"r":1,"r":2}}}';
    expect(duplicates(text)).toEqual(["$.assignments[3].date", "$.z.q.r"]);
  });

  it("treats escaped and plain spellings of a key as the same key", () => {
    expect(duplicates('{"a":1,"\\u0061":2}')).toEqual(["$.a"]);
    expect(duplicates('{"a\\"b":1,"a\\u0022b":2}')).toEqual(['$["a\\"b"]']);
    expect(duplicates('{"\\\\":1,"\\u005c":2}')).toEqual(['$["\\\\"]']);
  });

  it("does not mistake text inside strings for keys or brackets", () => {
    expect(duplicates('{"a":"\\"a\\":1,{[","b":"x\\\\","c":"}]\\\\\\""}')).toEqual([]);
  });

  it("keeps sibling and nested objects apart", () => {
    expect(duplicates('[{"a":1},{"a":2}]')).toEqual([]);
    expect(duplicates('{"a":{"x":1},"b":{"x":1},"c":[{"x":{"x":1}}]}')).toEqual([]);
    expect(duplicates('{"a":{"x":1,"y":{"z":1}},"a":2}')).toEqual(["$.a"]);
    expect(duplicates('{"k":{},"k":[]}')).toEqual(["$.k"]);
  });

  it("finds a duplicate among many keys (past the small-object search)", () => {
    const keys = Array.from({ length: 40 }, (_, i) => `"k${i}":${i}`);
    expect(duplicates(`{${keys.join(",")},"k3":0,"k39":0}`)).toEqual(["$.k3", "$.k39"]);
    expect(duplicates(`{${keys.join(",")}}`)).toEqual([]);
  });

  it("agrees with the generating tree on 300 random documents", () => {
    let seed = 42; // mulberry32: a small seeded generator, so a failure replays
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)]!;
    // A key written plainly or with every character as a \u escape, so equal keys need not look alike.
    const writeKey = (key: string) =>
      random() < 0.3
        ? `"${[...key].map((ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`).join("")}"`
        : JSON.stringify(key);
    const generate = (path: Path, depth: number, expected: string[]): string => {
      const r = random();
      if (depth > 4 || r < 0.3) return pick(['"s"', "1", "true", "null", '"{\\"a\\":[1,"', "[]", "{}"]);
      if (r < 0.55) {
        const n = Math.floor(random() * 4);
        const items = Array.from({ length: n }, (_, i) => generate([...path, i], depth + 1, expected));
        return `[${items.join(",")}]`;
      }
      const n = Math.floor(random() * (depth === 0 ? 30 : 6));
      const seen = new Set<string>();
      const entries: string[] = [];
      for (let i = 0; i < n; i++) {
        const key = pick(["a", "b", "c", "id", "date", `k${Math.floor(random() * 25)}`]);
        const value = generate([...path, key], depth + 1, expected);
        if (seen.has(key)) expected.push(formatPath([...path, key]));
        seen.add(key);
        entries.push(`${writeKey(key)}:${value}`);
      }
      return `{${entries.join(",")}}`;
    };
    let total = 0;
    for (let run = 0; run < 300; run++) {
      const expected: string[] = [];
      const text = generate([], 0, expected);
      // The scan reports in text order; the generator records a duplicate after its value's own duplicates.
      expect(duplicates(text).sort()).toEqual(expected.sort());
      total += expected.length;
    }
    expect(total).toBeGreaterThan(500);
  });
});

describe("tooDeepAt", () => {
  it("allows exactly `max` levels and points at the bracket that opens one more", () => {
    expect(tooDeepAt("[".repeat(64) + "]".repeat(64), 64)).toBe(-1);
    expect(tooDeepAt('{"a":' + "[".repeat(64) + "]".repeat(64) + "}", 64)).toBe(68);
  });

  it("ignores brackets inside strings", () => {
    expect(tooDeepAt(`["${"[".repeat(100)}\\"${"{".repeat(100)}"]`, 2)).toBe(-1);
  });

  it("counts depth, not brackets: many shallow siblings are fine", () => {
    expect(tooDeepAt("[" + "[],".repeat(100_000) + "[]]", 2)).toBe(-1);
  });

  it("copes with text that is not JSON (JSON.parse reports it)", () => {
    for (const text of ['"unterminated [[[[', "]]]]}}}}", "[[[[", '\\"[[[', ""]) {
      expect(() => tooDeepAt(text, 3)).not.toThrow();
    }
    expect(tooDeepAt("]]]][[[[", 3)).toBe(7);
  });

  it("finds the 65th level of 32 MiB of nested arrays at once", () => {
    const text = "[".repeat(16 << 20) + "]".repeat(16 << 20);
    text.charCodeAt(0); // a decoded body is one flat string; flatten this concatenation before timing
    const started = performance.now();
    expect(tooDeepAt(text, 64)).toBe(64);
    expect(performance.now() - started).toBeLessThan(50);
  });
});
