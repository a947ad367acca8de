/**
 * gzip with the web CompressionStream API, present in Node 24 and workerd alike.
 */

async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const body = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(body).arrayBuffer());
}

/** gzip-compresses bytes (RFC 1952). */
export const gzip = (bytes: Uint8Array) => pipe(bytes, new CompressionStream("gzip"));

/** Decompresses gzip bytes; rejects on corrupt input. */
export const gunzip = (bytes: Uint8Array) => pipe(bytes, new DecompressionStream("gzip"));
