// show / quote / showKey: how untrusted input appears in messages and paths (bounded, and never invisible).
import { describe, expect, it } from "vitest";
import { quote, show, showKey } from "../../../src/core/snapshot/show.ts";

describe("show", () => {
  it.each([
    [undefined, "nothing"],
    [null, "null"],
    [true, "boolean true"],
    [7, "number 7"],
    [-0, "number -0"],
    [-1e308, "number -1e+308"],
    [Infinity, "a number too large to represent"],
    [-Infinity, "a negative number too large to represent"],
    [NaN, "a value that is not a number"],
    [{ a: 1 }, "an object"],
    [[1, 2], "an array"],
    ["x", '"x"'],
  ])("shows %j as %s", (value, shown) => {
    expect(show(value)).toBe(shown);
  });
});

describe("quote", () => {
  it("quotes like JSON", () => {
    expect(quote('a "b" \\ \n')).toBe('"a \\"b\\" \\\\ \\n"');
  });

  it("escapes what a reader could not see: DEL, C1, format characters, odd spaces", () => {
    expect(quote("\u007f\u0085\u200b\u202e\ufeff\u00a0\u2028\u3164")).toBe(
      '"\\u007f\\u0085\\u200b\\u202e\\ufeff\\u00a0\\u2028\\u3164"',
    );
    expect(quote("\u{e0001}")).toBe('"\\udb40\\udc01"');
  });

  it("keeps visible text as it is: accents, CJK, emoji, RTL letters", () => {
    expect(quote("Ünï 心 😀 עברית")).toBe('"Ünï 心 😀 עברית"');
  });

  it("cuts after 48 characters of output, never inside an escape or a surrogate pair, and counts", () => {
    expect(quote("x".repeat(48))).toBe(`"${"x".repeat(48)}"`);
    expect(quote("x".repeat(49))).toBe(`"${"x".repeat(48)}…" (49 characters)`);
    expect(quote("😀".repeat(30))).toBe(`"${"😀".repeat(24)}…" (30 characters)`);
    expect(quote("\u0001".repeat(30))).toBe(`"${"\\u0001".repeat(8)}…" (30 characters)`);
    expect(quote("x".repeat(49), false)).toBe(`"${"x".repeat(48)}…"`);
  });
});

describe("showKey", () => {
  it("backticks plain keys and quotes (and cuts) any other", () => {
    expect(showKey("emial")).toBe("`emial`");
    expect(showKey("a b")).toBe("`a b`");
    expect(showKey(" a")).toBe('" a"');
    expect(showKey("a`b")).toBe('"a`b"');
    expect(showKey("\u200bid")).toBe('"\\u200bid"');
    expect(showKey("k".repeat(100))).toBe(`"${"k".repeat(48)}…" (100 characters)`);
  });
});
