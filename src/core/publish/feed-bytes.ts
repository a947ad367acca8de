/**
 * A rendered feed's stored form: identity bytes, their entity tag and digest, the gzip body, and the rule that
 * moves `Last-Modified` when bytes change.
 */
import { sha256, toBase64Url, toHex } from "../digest.ts";
import type { FeedRow } from "../store/feeds-table.ts";
import { gzip } from "./compress.ts";

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
 * Encodes, hashes and compresses a rendered feed.
 * @param bigFeedBytes identity bodies at least this long are kept (and stored), so clients that ask for no
 *   compression are served without decompressing the feed on every request.
 */
export async function feedBytes(text: string, bigFeedBytes: number): Promise<FeedBytes> {
  const bytes = encoder.encode(text);
  const digest = await sha256(bytes);
  return {
    etag: entityTag(digest),
    hex: toHex(digest),
    size: bytes.length,
    gzip: await gzip(bytes),
    identity: bytes.length >= bigFeedBytes ? bytes : null,
  };
}

/**
 * When a feed's new bytes count as modified: the current second, never later (RFC 9110 §8.8.2.1: an origin
 * server "MUST NOT send a Last-Modified date that is later than the server's time of message origination"),
 * and never earlier than the previous version's. Two versions within one second share the second; the later
 * one is then marked `lastModifiedShared`, so `If-Modified-Since` equal to it is answered with the full feed
 * (a client holding the earlier bytes would otherwise be told nothing changed).
 */
export function nextLastModified(
  previous: FeedRow | null,
  nowSeconds: number,
): Pick<FeedRow, "lastModified" | "lastModifiedShared"> {
  if (previous === null || nowSeconds > previous.lastModified) {
    return { lastModified: nowSeconds, lastModifiedShared: false };
  }
  return { lastModified: previous.lastModified, lastModifiedShared: true };
}
