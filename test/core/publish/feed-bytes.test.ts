// A big feed is encoded from the strings it is made of, never joined into one — and on Workers hashed and gzipped
// as it is encoded, never held whole: the bytes, digest and gzip body must be exactly those of the joined text,
// whatever characters the parts hold.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { webCodec } from "../../../src/core/compress.ts";
import { feedBytes } from "../../../src/core/publish/feed-bytes.ts";

/** Parts are whole event blocks: none ends in the first half of a surrogate pair the next one completes. */
const noSplitPair = (parts: string[]) => {
  const filled = parts.filter((p) => p !== "");
  return filled.every(
    (p, i) => !(/[\ud800-\udbff]$/.test(p) && /^[\udc00-\udfff]/.test(filled[i + 1] ?? "")),
  );
};

describe("feed bytes from parts", () => {
  it("are the bytes of the joined text (ASCII, accents, emoji, lone surrogates)", async () => {
    const part = fc.oneof(
      fc.string(),
      fc.string({ unit: "grapheme" }),
      fc.string({ unit: "binary" }),
      fc.constantFrom("é", "😀", "\ud800", "\udc00x", "BEGIN:VEVENT\r\n"),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(part, { maxLength: 8 }).filter(noSplitPair), async (parts) => {
        const joined = await feedBytes(parts.join(""), 0, webCodec);
        const fromParts = await feedBytes(() => parts, 0, webCodec);
        expect(fromParts.identity).toEqual(joined.identity);
        expect(fromParts.size).toBe(joined.size);
        expect(fromParts.etag).toBe(joined.etag);
        expect(fromParts.hex).toBe(joined.hex);
      }),
      { numRuns: 300 },
    );
  });

  it("hashed and gzipped as they are encoded are those of the joined text, without the identity bytes", async () => {
    const block = "BEGIN:VEVENT\r\nSUMMARY:Ward Day: Zoë Ångström 😀\r\nEND:VEVENT\r\n";
    const long = "X".repeat(100_000);
    const parts = [
      "BEGIN:VCALENDAR\r\n",
      ...Array.from({ length: 3_000 }, () => block),
      long,
      "END:VCALENDAR\r\n",
    ];
    const whole = await feedBytes(parts.join(""), Number.POSITIVE_INFINITY, webCodec);
    const streamed = await feedBytes(() => parts, Number.POSITIVE_INFINITY, webCodec, 1);
    expect(streamed.identity).toBeNull();
    expect([streamed.size, streamed.etag, streamed.hex]).toEqual([whole.size, whole.etag, whole.hex]);
    expect(await webCodec.gunzip(streamed.gzip)).toEqual(new TextEncoder().encode(parts.join("")));
    // A feed big enough to keep its identity bytes is not streamed: they are stored.
    const kept = await feedBytes(() => parts, 1, webCodec, 1);
    expect(kept.identity).toEqual(new TextEncoder().encode(parts.join("")));
  });
});
