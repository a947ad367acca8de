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
 * Refreshes `keys` in `draft` (mutating `draft.manifest.feeds`). With `force`, renders even when the input
 * fingerprint is unchanged (the bytes, and so the validators, still stay the same when nothing changed).
 * @param onProgress called after each feed, for job progress.
 */
export async function refreshFeeds(
  draft: OrgState,
  keys: Iterable<FeedKey>,
  ctx: RefreshContext,
  options: { force?: boolean; onProgress?: (key: FeedKey, error?: unknown) => void } = {},
): Promise<RefreshResult> {
  const feeds = draft.manifest.feeds;
  const result: RefreshResult = { rendered: [], updated: [], replaced: [] };
  const nowSeconds = Math.floor(ctx.nowMs / 1000);
  for (const key of keys) {
    const record = feeds[key];
    const built = buildFeed(draft, key, ctx.nowMs, ctx.settings);
    if (!built) {
      if (record) {
        delete feeds[key];
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
      feeds[key] = { ...record, inputHash: built.inputHash, events: built.doc.events.length };
      options.onProgress?.(key);
      continue;
    }
    const blobKey = feedBlobKey(draft.manifest.org, toHex(digest));
    ctx.written.push(blobKey);
    await ctx.store.put(blobKey, await gzip(bytes));
    const next: FeedRecord = {
      blobKey,
      etag,
      lastModified: Math.max(nowSeconds, (record?.lastModified ?? 0) + 1),
      size: bytes.length,
      events: built.doc.events.length,
      inputHash: built.inputHash,
      tokenHash: record?.tokenHash ?? (await ctx.tokenHashFor(key)),
    };
    feeds[key] = next;
    if (record && record.blobKey !== blobKey) result.replaced.push(record.blobKey);
    result.updated.push(key);
    options.onProgress?.(key);
  }
  return result;
}
