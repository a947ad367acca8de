// The web platform's codec (`src/core/compress.ts`), what the Worker stores and reads every feed, piece and state
// with: gzip and gunzip give back the same bytes at every size around their chunking, gunzip trusts no trailer for
// more than its output, and corrupt input rejects.
import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { gunzip, gzip } from "../../src/core/compress.ts";

/** Bytes that compress a little, of length `n`. */
const sample = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7919) % 251);
const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(a, b) === 0;

describe("web codec", () => {
  it("round-trips bytes of every size around its 64 KiB chunks, each way readable by zlib", async () => {
    for (const n of [0, 1, 65_535, 65_536, 65_537, 200_000, 3_000_000]) {
      const bytes = sample(n);
      const zipped = await gzip(bytes);
      expect(same(gunzipSync(zipped), bytes)).toBe(true);
      expect(same(await gunzip(zipped), bytes)).toBe(true);
      expect(same(await gunzip(gzipSync(bytes)), bytes)).toBe(true);
    }
  });

  it("gives the whole content when a gzip trailer states a wrong size", async () => {
    const bytes = sample(300_000);
    for (const claimed of [1, 1_000, 4_000_000_000]) {
      const zipped = gzipSync(bytes);
      new DataView(zipped.buffer, zipped.byteOffset).setUint32(zipped.length - 4, claimed, true);
      // DecompressionStream checks the trailer: a wrong size is corrupt input, refused, never a short answer.
      await expect(gunzip(zipped)).rejects.toThrow();
    }
  });

  it("rejects corrupt and truncated input", async () => {
    const zipped = gzipSync(sample(100_000));
    await expect(gunzip(zipped.subarray(0, zipped.length - 10))).rejects.toThrow();
    await expect(gunzip(Uint8Array.from([1, 2, 3, 4, 5]))).rejects.toThrow();
  });
});
