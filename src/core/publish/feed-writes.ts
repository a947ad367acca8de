/**
 * Writing one prepared feed inside a publish's transaction: new bytes get new body blobs and new validators,
 * unchanged bytes keep their validators (and a body the store lost is written again), a feed with no content
 * left goes. Replaced blobs are released, not deleted, so a reader that has just looked the feed up can finish.
 */
import { hasBlob, putBlob, releaseBlob } from "../store/blob-table.ts";
import { deleteFeed, feedByKey, putFeed } from "../store/feeds-table.ts";
import { linkVersion } from "../store/links-table.ts";
import type { SqlPort } from "../store/sql-port.ts";
import { nextLastModified, type FeedBytes } from "./feed-bytes.ts";
import type { FeedSpec } from "./feed-specs.ts";
import { bodyBlobKey, type FeedKey } from "../store/keys.ts";

/** A feed rendered outside the transaction, to be written inside it. */
export interface PreparedFeed {
  org: string;
  feed: FeedKey;
  /** What the bytes were rendered from; `null` when the feed has nothing left to show and goes. */
  spec: FeedSpec | null;
  events: number;
  bytes: FeedBytes | null;
  /** For a feed that did not exist yet: its token's hash, derived from link version `linkVersion`. */
  newToken: { hash: string; linkVersion: number } | null;
}

/** What writing a feed did: bytes changed (appeared, went), stayed the same, or the feed must be prepared again. */
export type WriteOutcome = "changed" | "same" | "conflict";

/**
 * Writes a prepared feed. Call inside a transaction. `conflict` means the feed's link changed after it was
 * prepared (nothing was written for it).
 */
export function writeFeed(sql: SqlPort, p: PreparedFeed, nowSeconds: number): WriteOutcome {
  const existing = feedByKey(sql, p.org, p.feed);
  if (p.spec === null || p.bytes === null) {
    if (existing === null) return "same";
    deleteFeed(sql, p.org, p.feed);
    releaseBlob(sql, existing.bodyKey, nowSeconds);
    if (existing.identityKey !== null) releaseBlob(sql, existing.identityKey, nowSeconds);
    return "changed";
  }
  const b = p.bytes;
  if (existing !== null && existing.etag === b.etag) {
    putFeed(sql, { ...existing, inputHash: p.spec.inputHash, events: p.events });
    // The same bytes: keep the validators, and write the body again if the store lost it.
    if (!hasBlob(sql, existing.bodyKey)) putBlob(sql, existing.bodyKey, b.gzip);
    if (existing.identityKey !== null && b.identity !== null && !hasBlob(sql, existing.identityKey)) {
      putBlob(sql, existing.identityKey, b.identity);
    }
    return "same";
  }
  let tokenHash: string;
  if (existing !== null) tokenHash = existing.tokenHash;
  else if (p.newToken !== null && linkVersion(sql, p.org, p.feed) === p.newToken.linkVersion)
    tokenHash = p.newToken.hash;
  else return "conflict";
  const bodyKey = bodyBlobKey(p.org, p.feed, b.hex, "gzip");
  const identityKey = b.identity === null ? null : bodyBlobKey(p.org, p.feed, b.hex, "identity");
  putBlob(sql, bodyKey, b.gzip);
  if (identityKey !== null && b.identity !== null) putBlob(sql, identityKey, b.identity);
  if (existing !== null) {
    if (existing.bodyKey !== bodyKey) releaseBlob(sql, existing.bodyKey, nowSeconds);
    if (existing.identityKey !== null && existing.identityKey !== identityKey) {
      releaseBlob(sql, existing.identityKey, nowSeconds);
    }
  }
  putFeed(sql, {
    org: p.org,
    feed: p.feed,
    tokenHash,
    etag: b.etag,
    ...nextLastModified(existing, nowSeconds),
    size: b.size,
    events: p.events,
    inputHash: p.spec.inputHash,
    bodyKey,
    identityKey,
  });
  return "changed";
}
