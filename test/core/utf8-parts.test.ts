// UTF-8 of text made in parts (`src/core/digest.ts`): what a feed's and a state's bytes are made with. Parts up to
// 8 MiB are encoded in one pass (through mebibyte chunks, the first shared by every call), more in two; both give the bytes of the
// joined text, and one call's scratch never shows in another's result.
import { describe, expect, it } from "vitest";
import { ONE_PASS_BYTES, utf8OfParts, utf8Within } from "../../src/core/digest.ts";

const encoder = new TextEncoder();
/** Parts of every UTF-8 length: ASCII, 2-, 3- and 4-byte characters (a surrogate pair), repeated `n` times. */
const mixed = (n: number) => Array.from({ length: n }, (_, i) => `${i}: é € 😀 line\r\n`);

describe("UTF-8 of parts", () => {
  it("is the UTF-8 of the joined parts, in one pass up to 8 MiB and in two beyond", () => {
    // 0 parts; one; under one chunk; several chunks (parts split across them); over the one-pass limit.
    for (const n of [0, 1, 1_000, 60_000, 400_000]) {
      const parts = mixed(n);
      const expected = encoder.encode(parts.join(""));
      let calls = 0;
      const bytes = utf8OfParts(() => (calls++, parts));
      expect(bytes.length).toBe(expected.length);
      expect(Buffer.compare(bytes, expected)).toBe(0); // (not toEqual: it compares megabytes a byte at a time)
      expect(calls).toBe(expected.length <= ONE_PASS_BYTES ? 1 : 3); // beyond: tried, counted, written
    }
  });

  it("answers null as soon as the parts pass the limit, even inside a character", () => {
    expect(utf8Within(["abc", "d"], 3)).toBeNull();
    expect(utf8Within(["ab", "😀"], 5)).toBeNull(); // the pair needs 4 bytes, 3 are left
    expect(utf8Within(["ab", "😀"], 6)).toEqual(encoder.encode("ab😀"));
  });

  it("gives each call bytes of its own: a later call does not change an earlier result", () => {
    const first = utf8Within(["first"], 100)!;
    const second = utf8Within(["SECOND"], 100)!;
    expect(new TextDecoder().decode(first)).toBe("first");
    expect(new TextDecoder().decode(second)).toBe("SECOND");
  });
});
