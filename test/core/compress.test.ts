// The web platform's codec (`src/core/compress.ts`), what the Worker stores and reads every feed, piece and state
// with: gzip and gunzip give back the same bytes at every size around their chunking, gunzip trusts no trailer for
// more than its output, and corrupt input rejects; and so do both codecs' chunk-at-a-time compressor and
// decompressor (a big schedule's state), whose chunks stay small and whose reader may stop early.
import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { gunzip, gzip, webCodec, type Codec } from "../../src/core/compress.ts";
import { nodeCodec } from "../../src/node/node-codec.ts";

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

/** All the chunks of a decompression, and their sizes. */
async function chunksOf(codec: Codec, parts: Uint8Array[]): Promise<{ bytes: Buffer; sizes: number[] }> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of codec.gunzipChunks(parts)) chunks.push(Buffer.from(chunk));
  return { bytes: Buffer.concat(chunks), sizes: chunks.map((c) => c.length) };
}

describe.each([
  ["web", webCodec],
  ["node", nodeCodec],
])("the %s codec a chunk at a time", (_, codec) => {
  it("compresses what is written in pieces into gzip any reader reads, and decompresses it in small chunks", async () => {
    for (const n of [0, 1, 65_537, 3_000_000]) {
      const bytes = sample(n);
      const writer = codec.gzipWriter(n % 2 === 1);
      for (let i = 0; i < n; i += 10_000) await writer.write(bytes.slice(i, i + 10_000));
      const zipped = await writer.end();
      expect(same(gunzipSync(zipped), bytes)).toBe(true);
      const parts = [zipped.subarray(0, 5), zipped.subarray(5, 20_000), zipped.subarray(20_000)];
      const { bytes: back, sizes } = await chunksOf(codec, parts);
      expect(same(back, bytes)).toBe(true);
      expect(Math.max(0, ...sizes)).toBeLessThanOrEqual(64 * 1024);
      expect(same((await chunksOf(codec, [gzipSync(bytes)])).bytes, bytes)).toBe(true);
    }
  });

  it("throws on corrupt and truncated input as it decompresses", async () => {
    const zipped = gzipSync(sample(500_000));
    await expect(chunksOf(codec, [zipped.subarray(0, zipped.length - 10)])).rejects.toThrow();
    await expect(chunksOf(codec, [Uint8Array.from([1, 2, 3, 4, 5])])).rejects.toThrow();
  });

  it("lets its reader stop early, with nothing left unhandled", async () => {
    const zipped = gzipSync(sample(5_000_000));
    let read = 0;
    for await (const chunk of codec.gunzipChunks([zipped])) {
      read += chunk.length;
      break;
    }
    expect(read).toBeGreaterThan(0);
    expect(read).toBeLessThan(5_000_000);
  });
});
