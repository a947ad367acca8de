/**
 * The `Codec` on Node: zlib and `node:crypto`, synchronous and several times faster than the web streams for the
 * small bodies a feed service handles (no stream machinery, no thread-pool round trip per call). What goes through
 * a chunk at a time (a big schedule's state) goes through zlib's streams.
 */
import { createHash, createHmac, createSecretKey, hash } from "node:crypto";
import { promisify } from "node:util";
import { once } from "node:events";
import { createGunzip, createGzip, gunzip, gunzipSync, gzipSync } from "node:zlib";
import type { Codec, GzipWriter } from "../core/compress.ts";
import type { TokenCrypto } from "../core/tokens.ts";

const view = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/** Synchronous gunzip (small bodies, decompressed inline on the serving thread). */
export const gunzipNow = (bytes: Uint8Array): Uint8Array => view(gunzipSync(bytes));

/** zlib's output read a chunk of this many bytes at a time. */
const STREAM_CHUNK = 64 * 1024;

/** A gzip compressor fed a chunk at a time: zlib's stream, its output gathered as it comes. */
function gzipWriter(fast?: boolean): GzipWriter {
  const zip = createGzip({ chunkSize: STREAM_CHUNK, ...(fast ? { level: 1 } : {}) });
  const out: Buffer[] = [];
  zip.on("data", (chunk: Buffer) => out.push(chunk));
  const ended = once(zip, "end");
  ended.catch(() => undefined); // a zlib error rejects it; `end` reports it
  return {
    write: (bytes) =>
      new Promise((resolve, reject) => zip.write(bytes, (error) => (error ? reject(error) : resolve()))),
    end: async () => {
      zip.end();
      await ended;
      return view(Buffer.concat(out));
    },
  };
}

/**
 * Big feed bodies (a schedule's): zlib's default level with its largest hash memory, about 10% faster than the
 * default memory and no bigger. Below {@link BIG_GZIP_BYTES} (a person's feed) setting up that memory costs more
 * than it saves. The identity bytes, and so every `ETag`, do not depend on it.
 */
const BIG_FEED_GZIP = { memLevel: 9 };
const BIG_GZIP_BYTES = 256 * 1024;

export const nodeCodec: Codec = {
  gzip: (bytes, fast) =>
    view(gzipSync(bytes, fast ? { level: 1 } : bytes.length >= BIG_GZIP_BYTES ? BIG_FEED_GZIP : {})),
  gunzip: gunzipNow,
  sha256: (bytes) => view(createHash("sha256").update(bytes).digest()),
  gzipWriter,
  textSha256: () => {
    const hash = createHash("sha256");
    return { update: (text) => void hash.update(text, "utf8"), digest: () => view(hash.digest()) };
  },
  gunzipChunks: (parts) => {
    const unzip = createGunzip({ chunkSize: STREAM_CHUNK });
    for (const part of parts) unzip.write(part);
    unzip.end();
    return unzip;
  },
};

const gunzipAsync = promisify(gunzip);

/**
 * The codec of serving readers for identity bodies too big to decompress inline: the same, except that the
 * decompression runs on libuv's thread pool, so the serving thread goes on answering meanwhile and these
 * decompressions in flight are real concurrent work that admission control can count and bound.
 */
export const nodeServingCodec: Codec = {
  ...nodeCodec,
  gunzip: async (bytes) => view(await gunzipAsync(bytes)),
};

/** HMAC-SHA256 and SHA-256 from `node:crypto`: synchronous, so a feed request's token check never waits. */
export const nodeTokenCrypto: TokenCrypto = {
  hmacKey: async (secret) => {
    const key = createSecretKey(Buffer.from(secret)); // one KeyObject, not one per call
    return (data) => view(createHmac("sha256", key).update(data).digest());
  },
  // One-shot: no hash object per call (a token not in a thread's recent set is hashed on every request).
  sha256Hex: (text) => hash("sha256", text, "hex"),
};
