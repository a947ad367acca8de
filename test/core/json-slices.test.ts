// `parseJsonBytes` and `JsonBytesParser` (a big schedule's stored state parsed without its text, from the bytes a
// decompressing stream gives a chunk at a time) give what `JSON.parse` of the text gives: escapes, multi-byte
// characters, brackets inside strings, `__proto__` keys, empty containers, arrays longer than one run of items,
// whitespace between tokens — however the bytes are split into chunks.
import { describe, expect, it } from "vitest";
import { JsonBytesParser, parseJsonBytes } from "../../src/core/json-slices.ts";

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

/** The value of `bytes` fed to a parser in chunks of `size` bytes. */
function parseInChunks(bytes: Uint8Array, depth: number, size: number): unknown {
  const parser = new JsonBytesParser(depth);
  for (let i = 0; i < bytes.length; i += size) parser.write(bytes.subarray(i, i + size));
  return parser.end();
}

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
    const bad = [
      '{"a":[1,2}',
      '{"a":1}x',
      '["x]',
      '{"a"1}',
      '{"a":[1,]}',
      '{"a":[,1]}',
      '{"a":1,}',
      "{1:2}",
      "",
    ];
    for (const text of [...bad, `{"a":[${" ".repeat(70_000)},1]}`, `{"a":[${"1,".repeat(40_000)}]}`]) {
      expect(() => parseJsonBytes(encoder.encode(text), 2), text.slice(0, 20)).toThrow(SyntaxError);
      expect(() => parseInChunks(encoder.encode(text), 2, 3), text.slice(0, 20)).toThrow(SyntaxError);
    }
  });
});

describe("JsonBytesParser", () => {
  it.each([1, 2, 3, 5, 64, 4093, 65_536, 65_537])(
    "parses bytes fed in chunks of %i as JSON.parse does",
    (size) => {
      for (const value of size < 64 ? [tricky, [], {}, "x", 3, { s: "é😀" }] : [big, tricky]) {
        const text = JSON.stringify(value);
        for (const depth of [0, 2]) {
          expect(JSON.stringify(parseInChunks(encoder.encode(text), depth, size))).toBe(text);
          const pretty = JSON.stringify(value, null, "\t").replaceAll("\n", " \r\n ");
          expect(JSON.stringify(parseInChunks(encoder.encode(` ${pretty} `), depth, size))).toBe(text);
        }
      }
    },
  );

  it("leaves out the values it is told to, and keeps only the array items it is told to", () => {
    const paths: string[] = [];
    const parser = new JsonBytesParser(2, (path, object) => {
      paths.push(path.join("."));
      if (path.join(".") === "snapshot") return false;
      // The object as read so far: `format` and `snapshot` (left out) came before `history`.
      if (path.join(".") === "history") {
        expect(Object.keys(object)).toEqual(["format"]);
        return (pair) => (pair as [string, { seq: number }])[1].seq === 1;
      }
      return true;
    });
    const bytes = encoder.encode(JSON.stringify(big));
    for (let i = 0; i < bytes.length; i += 1000) parser.write(bytes.subarray(i, i + 1000));
    expect(parser.end()).toEqual({
      format: 2,
      history: big.history.filter((pair) => (pair[1] as { seq: number }).seq === 1),
      receivedAt: big.receivedAt,
    });
    expect(paths).toEqual(["format", "snapshot", "history", "receivedAt"]);
  });

  it("parses a big state split into uneven chunks, characters and escapes cut in two", () => {
    const bytes = encoder.encode(JSON.stringify(big));
    const parser = new JsonBytesParser(2);
    for (let i = 0, size = 1; i < bytes.length; i += size, size = (size * 7 + 3) % 9_973) {
      parser.write(bytes.subarray(i, i + size));
    }
    expect(parser.end()).toEqual(big);
  });
});
