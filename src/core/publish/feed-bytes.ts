/**
 * A rendered feed's stored form: identity bytes, their entity tag and digest, the gzip body, and the rule that
 * moves `Last-Modified` when bytes change.
 */
import { ONE_PASS_BYTES, toBase64Url, toHex, utf8OfParts, utf8Size, utf8Within } from "../digest.ts";
import { Sha256 } from "../sha256.ts";
import type { FeedRow } from "../store/feeds-table.ts";
import type { Codec } from "../compress.ts";

const encoder = new TextEncoder();

/** A weak entity tag for identity bytes: 128 bits of their SHA-256, base64url. */
export function entityTag(digest: Uint8Array): string {
  return `W/"${toBase64Url(digest.subarray(0, 16))}"`;
}

/** A feed rendered and compressed, ready to store. */
export interface FeedBytes {
  etag: string;
  /** Hex SHA-256 of the identity bytes (the body's blob key). */
  hex: string;
  size: number;
  gzip: Uint8Array;
  /** The identity bytes, kept only when the feed is big enough to store them (see `bigFeedBytes`). */
  identity: Uint8Array | null;
}

/**
 * Encodes, hashes and compresses a rendered feed: its text, or the strings it is made of (`feedParts`) — made once
 * when they come to at most 8 MiB, else twice (once to count their bytes, once to write them), so a big feed
 * is never held as text beside its bytes.
 * @param bigFeedBytes identity bodies at least this long are kept (and stored), so clients that ask for no
 *   compression are served without decompressing the feed on every request.
 * @param streamFeedBytes parts adding up to at least this many bytes (and under `bigFeedBytes`: no identity kept)
 *   are hashed and gzipped as they are encoded, so not even the feed's bytes are ever held whole: a whole
 *   hospital's schedule feed on Workers. Their gzip is the web platform's (`CompressionStream`), whatever `codec`.
 * @param atLeast a lower bound of the parts' size known without making them: when it alone says they are
 *   streamed (no identity body kept at any size), they are made once.
 */
export async function feedBytes(
  text: string | (() => Iterable<string>),
  bigFeedBytes: number,
  codec: Codec,
  streamFeedBytes = Number.POSITIVE_INFINITY,
  atLeast = 0,
): Promise<FeedBytes> {
  let bytes: Uint8Array;
  if (typeof text === "string") bytes = encoder.encode(text);
  else if (atLeast >= streamFeedBytes && bigFeedBytes === Number.POSITIVE_INFINITY) {
    // Streamed whatever its size: the parts are made once, not counted first.
    return streamedFeedBytes(text(), null);
  } else {
    // A feed of at most 8 MiB (a person's, a department's) is made once; a bigger one is counted first.
    const small = utf8Within(text(), ONE_PASS_BYTES);
    const size = small?.length ?? utf8Size(text());
    if (size >= streamFeedBytes && size < bigFeedBytes) return streamedFeedBytes(text(), size);
    bytes = small ?? utf8OfParts(text, size);
  }
  const digest = await codec.sha256(bytes);
  return {
    etag: entityTag(digest),
    hex: toHex(digest),
    size: bytes.length,
    gzip: await codec.gzip(bytes),
    identity: bytes.length >= bigFeedBytes ? bytes : null,
  };
}

/** Bytes written to the hash and the compressor at a time. */
const STREAM_CHUNK = 64 * 1024;

/** {@link feedBytes} of parts, hashed and gzipped a chunk at a time as they are encoded. */
async function streamedFeedBytes(parts: Iterable<string>, size: number | null): Promise<FeedBytes> {
  const hash = new Sha256();
  const compressor = new CompressionStream("gzip");
  const gzipped = new Response(compressor.readable).arrayBuffer();
  const writer = compressor.writable.getWriter();
  const chunk = new Uint8Array(STREAM_CHUNK);
  let filled = 0;
  let written = 0;
  const send = async (bytes: Uint8Array<ArrayBuffer>) => {
    hash.updateBytes(bytes);
    written += bytes.length;
    await writer.write(bytes);
  };
  for (const part of parts) {
    if (part.length * 3 > STREAM_CHUNK - filled) {
      if (filled > 0) await send(chunk.slice(0, filled));
      filled = 0;
      if (part.length * 3 > STREAM_CHUNK) {
        await send(encoder.encode(part) as Uint8Array<ArrayBuffer>);
        continue;
      }
    }
    filled += encoder.encodeInto(part, chunk.subarray(filled)).written;
  }
  if (filled > 0) await send(chunk.slice(0, filled));
  await writer.close();
  if (size !== null && written !== size)
    throw new Error(`feed parts changed between two passes (${written} ≠ ${size} bytes)`);
  const digest = hash.digest();
  return {
    etag: entityTag(digest),
    hex: toHex(digest),
    size: written,
    gzip: new Uint8Array(await gzipped),
    identity: null,
  };
}

/**
 * When a feed's new bytes count as modified: the current second, never later (RFC 9110 §8.8.2.1: an origin
 * server "MUST NOT send a Last-Modified date that is later than the server's time of message origination"),
 * and never earlier than the previous version's. A version whose second is not later than the one the previous
 * version was (or will be) sent with is marked `lastModifiedShared`: while that second lasts, `If-Modified-Since`
 * equal to it is answered with the full feed (a client holding the earlier bytes must not hear "not modified"),
 * and from the next second on it is sent as that next second (see {@link servedLastModified}).
 */
export function nextLastModified(
  previous: Pick<FeedRow, "lastModified" | "lastModifiedShared"> | null,
  nowSeconds: number,
): Pick<FeedRow, "lastModified" | "lastModifiedShared"> {
  if (previous === null) return { lastModified: nowSeconds, lastModifiedShared: false };
  const previousServed = previous.lastModified + (previous.lastModifiedShared ? 1 : 0);
  return {
    lastModified: Math.max(nowSeconds, previous.lastModified),
    lastModifiedShared: nowSeconds <= previousServed,
  };
}

/** What to send as `Last-Modified`, and what `If-Modified-Since` is compared with. */
export interface ServedLastModified {
  /** The `Last-Modified` to send (seconds): never later than `Date`. */
  lastModified: number;
  lastModifiedShared: boolean;
  /**
   * Set when the stored stamp is later than the clock (the clock was set back after it was issued): the stamp
   * `If-Modified-Since` is compared with, which stays the stored one — so a client holding an earlier version is
   * never told "not modified" because the date sent had to be lowered to `Date`.
   */
  validatedAs?: number;
}

/**
 * The `Last-Modified` to send at `nowSeconds`: a shared second (see {@link nextLastModified}) is sent as is while
 * it lasts, and as the next second afterwards — later than any earlier version's, and still not later than
 * `Date` — so `If-Modified-Since` tells the versions apart again and unchanged feeds get their `304`s back. A
 * stamp later than the clock (stored before the clock was set back) is sent as `Date` (RFC 9110 §8.8.2.1) and
 * validated as stored (`validatedAs`).
 */
export function servedLastModified(
  feed: { lastModified: number; lastModifiedShared?: boolean },
  nowSeconds: number,
): ServedLastModified {
  if (feed.lastModified > nowSeconds) {
    return {
      lastModified: nowSeconds,
      lastModifiedShared: feed.lastModifiedShared === true,
      validatedAs: feed.lastModified,
    };
  }
  if (feed.lastModifiedShared && nowSeconds > feed.lastModified) {
    return { lastModified: feed.lastModified + 1, lastModifiedShared: false };
  }
  return { lastModified: feed.lastModified, lastModifiedShared: feed.lastModifiedShared === true };
}
