/**
 * What the service knows about one live feed without reading its body: enough to answer a `304`.
 */

export type FeedKind = "person" | "schedule";

/** A live feed's validators and the blob keys of its bodies. */
export interface FeedEntry {
  /** `person` feeds merge every schedule of the organization; `schedule` feeds show one schedule. */
  kind: FeedKind;
  org: string;
  /** The person id or schedule id. */
  id: string;
  /** Blob key of the gzip body (it changes whenever the bytes change). */
  bodyKey: string;
  /** Blob key of the stored identity body (big feeds only), or `null`. */
  identityKey: string | null;
  /** Weak entity tag derived from the identity bytes only, e.g. `W/"3q2-7w…"`. */
  etag: string;
  /** When the bytes last changed, in whole seconds since the epoch; never later than the time of that change. */
  lastModified: number;
  /**
   * True when an earlier version had the same `lastModified` second, so `If-Modified-Since` equal to it cannot
   * tell the versions apart (see `isNotModified`).
   */
  lastModifiedShared?: boolean;
  /** Length of the identity (uncompressed) body in bytes. */
  size: number;
  /** Number of VEVENTs in the feed. */
  events: number;
}

/** A body to send: whole bytes, or (big feeds) a stream of known length. */
export type FeedBody = Uint8Array | { stream: ReadableStream<Uint8Array>; length: number };
