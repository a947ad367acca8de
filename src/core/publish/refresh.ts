/**
 * Brings a set of feeds of one organization up to date in a draft manifest: renders only feeds whose input
 * changed, writes only bodies whose bytes changed, and keeps validators of unchanged bytes exactly as they were.
 */
import { renderFeed, type EventBlockCache } from "../ical/render-feed.ts";
import { sha256, toBase64Url, toHex } from "../digest.ts";
import type { BlobStore } from "../../store/blob-store.ts";
import { gzip } from "./compress.ts";
import { buildFeed, type WindowSettings } from "./feed-builder.ts";
import { feedBlobKey, type FeedKey } from "./keys.ts";
import type { FeedRecord } from "./manifest.ts";
import type { OrgState } from "./org-state.ts";

const encoder = new TextEncoder();

/** What a refresh needs from its surroundings. */
export interface RefreshContext {
  store: BlobStore;
  settings: WindowSettings;
  /** Rendered events to reuse across feeds and revisions, or `null`. */
  blocks: EventBlockCache | null;
  nowMs: number;
  /** Every store key this refresh puts is appended here (so a failed change can take them back). */
  written: string[];
  /** Hex SHA-256 of the current token of a feed (derives one for a new feed). */
  tokenHashFor(key: FeedKey): Promise<string>;
}

export interface RefreshResult {
  /** Feeds whose input changed (and were rendered). */
  rendered: FeedKey[];
  /** Feeds whose bytes changed, were created or were removed. */
  updated: FeedKey[];
  /** Body keys no longer referenced by this draft's feeds. */
  replaced: string[];
}

/** A weak entity tag for identity bytes: 128 bits of their SHA-256, base64url. */
export function entityTag(digest: Uint8Array): string {
  return `W/"${toBase64Url(digest.subarray(0, 16))}"`;
}

/**
 * When a feed's new bytes count as modified: the current second, never later (RFC 9110 §8.8.2.1: an origin
 * server "MUST NOT send a Last-Modified date that is later than the server's time of message origination"),
 * and never earlier than the previous version's. Two versions within one second share the second; the later
 * one is then marked `lastModifiedShared`, so `If-Modified-Since` equal to it is answered with the full feed
 * (a client holding the earlier bytes would otherwise be told nothing changed).
 */
export function nextLastModified(
  previous: FeedRecord | undefined,
  nowSeconds: number,
): Pick<FeedRecord, "lastModified" | "lastModifiedShared"> {
  if (previous === undefined || nowSeconds > previous.lastModified) return { lastModified: nowSeconds };
  return { lastModified: previous.lastModified, lastModifiedShared: true };
}

/**
 * Refreshes `keys` in `draft` (mutating `draft.manifest.feeds`). With `force`, renders even when the input
 * fingerprint is unchanged (the bytes, and so the validators, still stay the same when nothing changed), and
 * writes any body the store has lost again, so a forced regeneration repairs a damaged store.
 * @param onProgress called after each feed, for job progress.
 * @param signal stops the refresh between two feeds (it throws the signal's reason; the change is then undone).
 */
export async function refreshFeeds(
  draft: OrgState,
  keys: Iterable<FeedKey>,
  ctx: RefreshContext,
  options: { force?: boolean; onProgress?: (key: FeedKey) => void; signal?: AbortSignal } = {},
): Promise<RefreshResult> {
  const feeds = draft.manifest.feeds;
  const result: RefreshResult = { rendered: [], updated: [], replaced: [] };
  const nowSeconds = Math.floor(ctx.nowMs / 1000);
  for (const key of keys) {
    options.signal?.throwIfAborted();
    const record = feeds.get(key);
    const built = buildFeed(draft, key, ctx.nowMs, ctx.settings);
    if (!built) {
      if (record) {
        feeds.delete(key);
        result.replaced.push(record.blobKey);
        result.updated.push(key);
      }
      options.onProgress?.(key);
      continue;
    }
    if (!options.force && record?.inputHash === built.inputHash) {
      options.onProgress?.(key);
      continue;
    }
    result.rendered.push(key);
    const bytes = encoder.encode(renderFeed(built.doc, ctx.blocks));
    const digest = await sha256(bytes);
    const etag = entityTag(digest);
    if (record && record.etag === etag) {
      feeds.set(key, { ...record, inputHash: built.inputHash, events: built.doc.events.length });
      if (options.force && (await ctx.store.get(record.blobKey)) === null) {
        ctx.written.push(record.blobKey);
        await ctx.store.put(record.blobKey, await gzip(bytes));
      }
      options.onProgress?.(key);
      continue;
    }
    const blobKey = feedBlobKey(draft.manifest.org, toHex(digest));
    ctx.written.push(blobKey);
    await ctx.store.put(blobKey, await gzip(bytes));
    const next: FeedRecord = {
      blobKey,
      etag,
      ...nextLastModified(record, nowSeconds),
      size: bytes.length,
      events: built.doc.events.length,
      inputHash: built.inputHash,
      tokenHash: record?.tokenHash ?? (await ctx.tokenHashFor(key)),
    };
    feeds.set(key, next);
    if (record && record.blobKey !== blobKey) result.replaced.push(record.blobKey);
    result.updated.push(key);
    options.onProgress?.(key);
  }
  return result;
}
