/**
 * What is live right now, in memory: every organization's state, the token-hash index that opens feeds
 * without scanning, and a byte-bounded LRU of hot bodies. Serving reads only this (and, on a cache miss,
 * one store read); changes replace an organization's state in one synchronous step.
 */
import { LRUCache } from "lru-cache";
import type { FeedTokens } from "../tokens.ts";
import type { BlobStore } from "../../store/blob-store.ts";
import { gunzip } from "./compress.ts";
import type { FeedEntry } from "./feed-entry.ts";
import { parseFeedKey, type FeedKey } from "./keys.ts";
import type { OrgState } from "./org-state.ts";

/** Cache key suffix of a body's decompressed form. */
const IDENTITY_SUFFIX = "#identity";

export class LiveFeeds {
  readonly #store: BlobStore;
  readonly #tokens: FeedTokens;
  readonly #orgs = new Map<string, OrgState>();
  /** SHA-256(token) → the feed it opens. */
  readonly #index = new Map<string, { org: string; key: FeedKey }>();
  readonly #bodies: LRUCache<string, Uint8Array>;

  /** @param cacheBytes upper bound of cached body bytes (compressed and decompressed forms together). */
  constructor(store: BlobStore, tokens: FeedTokens, cacheBytes: number) {
    this.#store = store;
    this.#tokens = tokens;
    this.#bodies = new LRUCache({ maxSize: cacheBytes, sizeCalculation: (b) => Math.max(1, b.length) });
  }

  /** Organization ids, sorted. */
  orgIds(): string[] {
    return [...this.#orgs.keys()].sort();
  }

  /** An organization's live state (read-only use), or `undefined`. */
  get(org: string): OrgState | undefined {
    return this.#orgs.get(org);
  }

  /** Makes `next` an organization's live state, re-indexing its tokens, in one synchronous step. */
  install(org: string, next: OrgState): void {
    const previous = this.#orgs.get(org);
    for (const record of previous?.manifest.feeds.values() ?? []) this.#index.delete(record.tokenHash);
    for (const [key, record] of next.manifest.feeds) this.#index.set(record.tokenHash, { org, key });
    this.#orgs.set(org, next);
  }

  /** Drops a body from the cache (it was deleted from the store). */
  forget(blobKey: string): void {
    this.#bodies.delete(blobKey);
    this.#bodies.delete(`${blobKey}${IDENTITY_SUFFIX}`);
  }

  /** The live feed a token opens, or `null`. No storage access: validators live in memory. */
  async lookup(token: string): Promise<FeedEntry | null> {
    const hash = await this.#tokens.hash(token);
    const hit = this.#index.get(hash);
    if (!hit) return null;
    const record = this.#orgs.get(hit.org)?.manifest.feeds.get(hit.key);
    if (!record || record.tokenHash !== hash) return null;
    const { kind, id } = parseFeedKey(hit.key);
    const { blobKey, etag, lastModified, size, events } = record;
    const entry: FeedEntry = { kind, org: hit.org, id, blobKey, etag, lastModified, size, events };
    if (record.lastModifiedShared) entry.lastModifiedShared = true;
    return entry;
  }

  /**
   * A feed's body as stored (`gzip`) or decompressed (`identity`, for clients that send no Accept-Encoding,
   * like Google's importer): from the cache, else one store read.
   */
  async body(entry: FeedEntry, encoding: "gzip" | "identity" = "gzip"): Promise<Uint8Array | null> {
    const key = encoding === "gzip" ? entry.blobKey : `${entry.blobKey}${IDENTITY_SUFFIX}`;
    const cached = this.#bodies.get(key);
    if (cached) return cached;
    let gz = this.#bodies.get(entry.blobKey) ?? null;
    if (!gz) {
      gz = await this.#store.get(entry.blobKey);
      if (!gz) return null;
      this.#bodies.set(entry.blobKey, gz);
    }
    if (encoding === "gzip") return gz;
    const identity = await gunzip(gz);
    this.#bodies.set(key, identity);
    return identity;
  }
}
