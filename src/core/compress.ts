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

async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const body = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(body).arrayBuffer());
}

/** gzip-compresses bytes with CompressionStream. */
export const gzip = (bytes: Uint8Array) => pipe(bytes, new CompressionStream("gzip"));

/** Decompresses gzip bytes with DecompressionStream; rejects on corrupt input. */
export const gunzip = (bytes: Uint8Array) => pipe(bytes, new DecompressionStream("gzip"));

/** The web platform's codec. */
export const webCodec: Codec = { gzip, gunzip, sha256 };
