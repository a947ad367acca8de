// parseJsonBody: bytes → JSON value, strict UTF-8, one BOM tolerated (docs/test-checklist.md item 20).
import { describe, expect, it } from "vitest";
import { parseJsonBody } from "../../../src/core/snapshot/parse-body.ts";
import { validateSnapshot } from "../../../src/core/snapshot/validate.ts";

const utf8 = (s: string) => new TextEncoder().encode(s);
const concat = (...parts: number[][]) => new Uint8Array(parts.flat());

describe("parseJsonBody", () => {
  it("parses a JSON object", () => {
    expect(parseJsonBody(utf8('{"a":[1,"ü😀"]}'))).toEqual({ ok: true, value: { a: [1, "ü😀"] } });
  });

  it("accepts and skips one leading UTF-8 BOM", () => {
    const bytes = concat([0xef, 0xbb, 0xbf], [...utf8('{"a":1}')]);
    expect(parseJsonBody(bytes)).toEqual({ ok: true, value: { a: 1 } });
  });

  it("rejects a second BOM (only one is skipped)", () => {
    const bytes = concat([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf], [...utf8("{}")]);
    const result = parseJsonBody(bytes);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(/^body is not valid JSON: /);
  });

  it("reports truncated JSON", () => {
    expect(parseJsonBody(utf8('{"format":"shiftfeed.snapshot/1",'))).toEqual({
      ok: false,
      message: expect.stringMatching(/^body is not valid JSON: .+/),
    });
    expect(parseJsonBody(utf8('{"a":'))).toEqual({
      ok: false,
      message: "body is not valid JSON: Unexpected end of JSON input",
    });
  });

  it("names the position of a syntax error", () => {
    const result = parseJsonBody(utf8('{"a": 1,, "b": 2}'));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(/position 8/);
  });

  it.each([
    ["a lone continuation byte", [0x80], 6],
    ["a truncated 2-byte sequence", [0xc3], 6],
    ["an overlong encoding of '/'", [0xc0, 0xaf], 6],
    ["an encoded UTF-16 surrogate", [0xed, 0xa0, 0x80], 6],
    ["a code point above U+10FFFF", [0xf4, 0x90, 0x80, 0x80], 6],
    ["Latin-1 é", [0xe9], 6],
  ])("rejects invalid UTF-8: %s, naming the byte offset", (_name, bad, offset) => {
    const bytes = concat([...utf8('{"a":"')], bad, [...utf8('"}')]);
    expect(parseJsonBody(bytes)).toEqual({
      ok: false,
      message: `body is not valid UTF-8: invalid byte sequence at byte offset ${offset}`,
    });
  });

  it("counts the BOM in the offset of invalid UTF-8", () => {
    const bytes = concat([0xef, 0xbb, 0xbf], [...utf8('{"a":"')], [0xff], [...utf8('"}')]);
    expect(parseJsonBody(bytes)).toEqual({
      ok: false,
      message: "body is not valid UTF-8: invalid byte sequence at byte offset 9",
    });
  });

  it("rejects an empty body, and a body that is only a BOM", () => {
    expect(parseJsonBody(new Uint8Array())).toEqual({
      ok: false,
      message: "body is empty: expected a JSON document",
    });
    expect(parseJsonBody(concat([0xef, 0xbb, 0xbf]))).toEqual({
      ok: false,
      message: "body is empty: expected a JSON document",
    });
    expect(parseJsonBody(utf8("  \n")).ok).toBe(false);
  });

  it.each([
    ["[]", "an array"],
    ['"x"', '"x"'],
    ["null", "null"],
    ["42", "number 42"],
  ])("parses non-object JSON %s, which validateSnapshot then rejects at $", (text, shown) => {
    const body = parseJsonBody(utf8(text));
    expect(body.ok).toBe(true);
    if (!body.ok) return;
    expect(validateSnapshot(body.value)).toEqual({
      ok: false,
      details: [{ path: "$", message: `the snapshot must be a JSON object, got ${shown}` }],
    });
  });

  it("refuses nesting deeper than 64 levels without parsing it, and allows 64", () => {
    expect(parseJsonBody(utf8("[".repeat(64) + "]".repeat(64))).ok).toBe(true);
    expect(parseJsonBody(utf8('{"a":' + "[".repeat(64) + "]".repeat(64) + "}"))).toEqual({
      ok: false,
      message: "body nests arrays and objects more than 64 levels deep (at position 68); a snapshot needs 3",
    });
  });
});
