// `parseJsonBytes` (a big schedule's stored state parsed without its text) gives what `JSON.parse` of the text
// gives: escapes, multi-byte characters, brackets inside strings, `__proto__` keys, empty containers, arrays
// longer than one run of items, whitespace between tokens.
import { describe, expect, it } from "vitest";
import { parseJsonBytes } from "../../src/core/json-slices.ts";

const encoder = new TextEncoder();
const tricky = JSON.parse(
  '{"__proto__":{"a":[1,"]}\\\\",{"}":"["}]},"":{},"e":[],"s":"é \\"q\\" \\u2028 😀 ,:{}[]","n":[-1.5e-7,0,true,false,null]}',
) as unknown;
const big = {
  format: 2,
  snapshot: {
    people: Array.from({ length: 5_000 }, (_, i) => ({ id: `p${i}`, name: `Dr. Ünal ${i} "x" [${i}]` })),
    empty: [],
    tricky,
  },
  history: Array.from({ length: 5_000 }, (_, i) => [`a${i}`, { fp: "0123456789abcd", seq: i % 3 }]),
  receivedAt: 1_780_000_000,
};

describe("parseJsonBytes", () => {
  it.each([0, 1, 2, 3])("parses as JSON.parse does, objects taken apart %i deep", (depth) => {
    for (const value of [big, tricky, [], {}, "x", 3, null, [[1, [2]], { a: [] }]]) {
      const text = JSON.stringify(value);
      const parsed = parseJsonBytes(encoder.encode(text), depth);
      expect(parsed).toEqual(JSON.parse(text));
      expect(JSON.stringify(parsed)).toBe(text);
      // Whitespace between tokens, as an earlier version's pretty-printed state has it.
      const pretty = JSON.stringify(value, null, "\t").replaceAll("\n", " \r\n ");
      expect(JSON.stringify(parseJsonBytes(encoder.encode(` ${pretty} `), depth))).toBe(text);
    }
  });

  it("keeps `__proto__` an own property, as JSON.parse does", () => {
    const parsed = parseJsonBytes(encoder.encode('{"__proto__":{"x":1}}'), 2) as Record<string, unknown>;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.getOwnPropertyNames(parsed)).toEqual(["__proto__"]);
  });

  it("refuses bytes that are not whole JSON", () => {
    for (const text of ['{"a":[1,2}', '{"a":1}x', '["x]', '{"a"1}']) {
      expect(() => parseJsonBytes(encoder.encode(text), 2), text).toThrow(SyntaxError);
    }
  });
});
