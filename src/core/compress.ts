/**
 * gzip and SHA-256 behind one small seam. The default is the web platform's (CompressionStream, Web Crypto),
 * present in Node 24 and workerd alike; a runtime with faster native ones passes its own (Node: `node-codec.ts`).
 * Either way the identity bytes — and so every `ETag` — are the same; only the gzip framing may differ.
 */
import { sha256 } from "./digest.ts";

export interface Codec {
  /**
   * gzip-compresses bytes (RFC 1952); `fast` trades size for speed (values only the service reads back: pieces
   * and schedule states; feed bodies, sent many times, get the default level).
   */
  gzip(bytes: Uint8Array, fast?: boolean): Uint8Array | Promise<Uint8Array>;
  /** Decompresses gzip bytes; throws (or rejects) on corrupt input. */
  gunzip(bytes: Uint8Array): Uint8Array | Promise<Uint8Array>;
  /** The SHA-256 digest of bytes. */
  sha256(bytes: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

/** Bytes handed to a (de)compression stream at a time: views of the input, never a copy of all of it. */
const WRITE_CHUNK = 64 * 1024;

/**
 * The bytes through a (de)compression stream. The input is written in views of itself (a `Blob` of it would copy
 * it whole: 30 MiB more for a big schedule's state), and the output is read into one buffer — of exactly its size
 * when `outputSize` is known (a gzip member's trailer says it) — rather than gathered and then copied.
 */
async function pipe(
  bytes: Uint8Array,
  stream: CompressionStream | DecompressionStream,
  outputSize?: number,
): Promise<Uint8Array> {
  const writer = stream.writable.getWriter();
  const written = (async () => {
    for (let i = 0; i < bytes.length; i += WRITE_CHUNK) {
      await writer.write(bytes.subarray(i, i + WRITE_CHUNK) as Uint8Array<ArrayBuffer>);
    }
    await writer.close();
  })();
  // A failed write (corrupt input) also errors the readable side, which is what rejects below.
  written.catch(() => undefined);
  let out = new Uint8Array(outputSize ?? WRITE_CHUNK);
  let length = 0;
  const reader = stream.readable.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (length + value.length > out.length) {
      const grown = new Uint8Array(Math.max(out.length * 2, length + value.length));
      grown.set(out.subarray(0, length));
      out = grown;
    }
    out.set(value, length);
    length += value.length;
  }
  await written;
  return length === out.length ? out : out.slice(0, length);
}

/** The most bytes made ready for a gzip member's content on its trailer's word alone. */
const MAX_PREALLOCATED = 64 * 1024 * 1024;

/**
 * The size a gzip member says its content has (RFC 1952 ISIZE: modulo 2^32), when it can be read and is at most
 * {@link MAX_PREALLOCATED}: the output grows past it if the trailer was wrong, and a damaged one costs no more.
 */
function gzipContentSize(bytes: Uint8Array): number | undefined {
  if (bytes.length < 18) return undefined;
  const at = bytes.length - 4;
  const size = (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
  return size > 0 && size <= MAX_PREALLOCATED ? size : undefined;
}

/** gzip-compresses bytes with CompressionStream. */
export const gzip = (bytes: Uint8Array) => pipe(bytes, new CompressionStream("gzip"));

/** Decompresses gzip bytes with DecompressionStream; rejects on corrupt input. */
export const gunzip = (bytes: Uint8Array) =>
  pipe(bytes, new DecompressionStream("gzip"), gzipContentSize(bytes));

/** The web platform's codec. */
export const webCodec: Codec = { gzip, gunzip, sha256 };
