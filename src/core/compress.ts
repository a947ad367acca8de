/**
 * gzip and SHA-256 behind one small seam. The default is the web platform's (CompressionStream, Web Crypto),
 * present in Node 24 and workerd alike; a runtime with faster native ones passes its own (Node: `node-codec.ts`).
 * Either way the identity bytes — and so every `ETag` — are the same; only the gzip framing may differ. What is too
 * big to hold whole (a big schedule's state: about 30 MiB of JSON at a 16 MiB snapshot) goes through the
 * compressor and out of the decompressor a chunk at a time.
 */
import { joinBytes, sha256 } from "./digest.ts";

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
  /** A gzip compressor fed a chunk at a time; `fast` as for {@link gzip}. */
  gzipWriter(fast?: boolean): GzipWriter;
  /**
   * The content of gzip bytes, given whole or as consecutive parts (a blob's), a chunk at a time as it is
   * decompressed; the iteration throws on corrupt input.
   */
  gunzipChunks(parts: readonly Uint8Array[]): AsyncIterable<Uint8Array>;
  /**
   * An incremental SHA-256 of UTF-8 text fed in pieces, where the runtime has one faster than `Sha256` (the
   * TypeScript one, used where this is absent): a snapshot's canonical JSON is hashed on every publish.
   */
  textSha256?(): TextSha256;
}

/** An incremental SHA-256 of UTF-8 text: the same digest as of the pieces' concatenation. */
export interface TextSha256 {
  /** Adds a string's UTF-8 bytes (a piece must not end in half a surrogate pair). */
  update(text: string): void;
  /** The digest; the hasher is spent. */
  digest(): Uint8Array;
}

/** A gzip compressor fed a chunk at a time. */
export interface GzipWriter {
  /** Adds bytes, which the caller must not change afterwards; resolves when more may be written. */
  write(bytes: Uint8Array): Promise<void>;
  /** The gzip of all the bytes written; the writer is spent. */
  end(): Promise<Uint8Array>;
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
  const written = writeAll([bytes], stream.writable.getWriter());
  const out = await readAll(stream.readable.getReader(), outputSize);
  await written;
  return out;
}

/**
 * Writes the parts to a (de)compression stream in views of 64 KiB, then closes it. A failed write (corrupt input)
 * also errors the readable side, which is what the reader sees: the promise returned never rejects unhandled.
 */
function writeAll(parts: readonly Uint8Array[], writer: WritableStreamDefaultWriter): Promise<void> {
  const written = (async () => {
    for (const bytes of parts) {
      for (let i = 0; i < bytes.length; i += WRITE_CHUNK) {
        await writer.write(bytes.subarray(i, i + WRITE_CHUNK) as Uint8Array<ArrayBuffer>);
      }
    }
    await writer.close();
  })();
  written.catch(() => undefined);
  return written;
}

/**
 * All of a stream's bytes in one buffer: made `size` long first when that is known (grown if it was wrong), else
 * gathered as they come and copied once into a buffer of their size (a buffer grown by doubling would hold up to
 * twice the output, then copy it once more).
 */
async function readAll(reader: ReadableStreamDefaultReader<Uint8Array>, size?: number): Promise<Uint8Array> {
  if (size === undefined) {
    const chunks: Uint8Array[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
    return joinBytes(chunks);
  }
  let out = new Uint8Array(size);
  let length = 0;
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

/** A gzip compressor fed a chunk at a time, with CompressionStream (its output read as it comes). */
export function gzipWriter(): GzipWriter {
  const stream = new CompressionStream("gzip");
  const writer = stream.writable.getWriter();
  const out = readAll(stream.readable.getReader());
  out.catch(() => undefined); // a failed write rejects both; `end` reports it
  return {
    write: (bytes) => writer.write(bytes as Uint8Array<ArrayBuffer>),
    end: async () => {
      await writer.close();
      return out;
    },
  };
}

/** The content of gzip parts, a chunk at a time, with DecompressionStream. */
export async function* gunzipChunks(parts: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  const stream = new DecompressionStream("gzip");
  const written = writeAll(parts, stream.writable.getWriter());
  const reader = stream.readable.getReader();
  let done = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      yield next.value;
    }
    done = true;
    await written;
  } finally {
    // A reader that stops early (a parse error) stops the decompression, and with it the writes.
    if (!done) await reader.cancel().catch(() => undefined);
  }
}

/** The web platform's codec. */
export const webCodec: Codec = { gzip, gunzip, sha256, gzipWriter, gunzipChunks };
