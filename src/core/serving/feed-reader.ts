/**
 * This folder is the serving read path: what a subscriber's request reads, never writes. `feed-reader.ts` (here)
 * reads feeds, `feed-entry.ts` is what a live feed is known by (its validators), `upcoming.ts` is what a
 * subscribe page lists. Feeds are written by `../publish/`; the route that answers with them is
 * `src/http/feed-answer.ts`.
 *
 * Serving reads: the live feed a token opens, and its body in the coding the client takes. Each serving thread
 * has its own reader on its own database connection, with two caches:
 *
 * - validators by token hash, dropped whenever the writer's generation moves (a counter every commit bumps, so a
 *   publish or rotation is seen by the very next request, in every thread) — a hot `304` reads nothing;
 * - bodies by blob key (gzip, and decompressed identity), bounded in bytes — blob keys name their content, so
 *   these never go stale.
 *
 * Where the runtime shares one index of every token's validators across readers (`index`: Node's serving threads),
 * it is asked first, and the validator cache only holds what it could not tell (the moments after a commit).
 *
 * A cold body is one indexed read; an identity body is also a decompression. Small ones are decompressed inline
 * when the runtime has a synchronous gunzip (`inline`): on these sizes that costs about what answering the request
 * costs, so it is not expensive work and is never shed — shedding it would only bring the client back sooner.
 * Larger ones go through the (asynchronous) codec and are expensive work that admission control counts.
 *
 * Big feeds (those that store their identity body) are streamed part by part, never held whole.
 */
import { LRUCache } from "lru-cache";
import { blobParts, readBlob, readBlobPart } from "../store/blob-table.ts";
import { deadLinkOf, type DeadLink } from "../store/dead-links-table.ts";
import { feedByTokenHash } from "../store/feeds-table.ts";
import { orgRow } from "../store/schedules-table.ts";
import type { Tier } from "../snapshot/types.ts";
import type { SqlPort } from "../store/sql-port.ts";
import type { FeedTokens } from "../tokens.ts";
import { webCodec, type Codec } from "../compress.ts";
import type { FeedBody, FeedEntry } from "./feed-entry.ts";
import { parseFeedKey } from "../store/keys.ts";

/** What a shared index says a token hash is: its live feed, a dead link, or never issued (`null`). */
export type IndexedToken = FeedEntry | DeadLink | null;

/**
 * Every token's validators in one table readers share (Node: `src/node/validator-index.ts`), checked before the
 * reader's own caches and storage.
 */
export interface TokenIndex {
  /** What a token hash is at commit generation `generation`, or `undefined` when the index cannot tell. */
  find(hash: string, generation: number): IndexedToken | undefined;
}

/**
 * Stored (gzip) bodies by blob key in a cache readers share (Node: `src/node/shared-body-cache.ts`), which keeps
 * what it has room for. Blob keys name their content, so nothing in it goes stale.
 */
export interface SharedBodies {
  get(key: string): Uint8Array | undefined;
  put(key: string, body: Uint8Array): void;
}

export interface FeedReaderDeps {
  sql: SqlPort;
  tokens: FeedTokens;
  /** Upper bound of cached body bytes (gzip and identity together). */
  cacheBytes: number;
  /** The writer's commit generation: validators cached under another value are read again. */
  generation: () => number;
  /** gzip (`webCodec` by default). */
  codec?: Codec;
  /** Most validator entries cached (the hot set of tokens; the rest are one indexed read away). Default 20,000. */
  maxEntries?: number;
  /** Told about every read that goes to storage (`lookup` or `body`): what `/metrics` counts. */
  onStoreRead?: (kind: "lookup" | "body") => void;
  /**
   * A synchronous gunzip for identity bodies of at most `maxBytes` (uncompressed), run inline instead of through
   * `codec`. None: every decompression goes through `codec`.
   */
  inline?: { gunzip: (bytes: Uint8Array) => Uint8Array; maxBytes: number };
  /** A shared index asked first; what it cannot tell comes from the caches and storage. Default: none. */
  index?: TokenIndex;
  /** Stored bodies kept where other readers find them, instead of in this reader's cache. Default: none. */
  sharedBodies?: SharedBodies;
}

const IDENTITY = "#identity";

export class FeedReader {
  readonly #deps: FeedReaderDeps;
  readonly #entries: LRUCache<string, FeedEntry | false>;
  /** Dead-link verdicts of tokens that opened nothing (`none`: never issued), like the entries per generation. */
  readonly #dead: LRUCache<string, DeadLink | "none">;
  readonly #bodies: LRUCache<string, Uint8Array>;
  /** Identity bodies being decompressed, by cache key. */
  readonly #decompressing = new Map<string, Promise<Uint8Array>>();
  /** Organizations' tiers, read once per generation (admission under load asks for every cold body). */
  readonly #tiers = new Map<string, Tier>();
  #generation: number;

  constructor(deps: FeedReaderDeps) {
    this.#deps = deps;
    this.#entries = new LRUCache({ max: deps.maxEntries ?? 20_000 });
    this.#dead = new LRUCache({ max: deps.maxEntries ?? 20_000 });
    this.#bodies = new LRUCache({ maxSize: deps.cacheBytes, sizeCalculation: (b) => Math.max(1, b.length) });
    this.#generation = deps.generation();
  }

  /** The live feed a token opens, or `null`. */
  async lookup(token: string): Promise<FeedEntry | null> {
    const generation = this.#fresh();
    const hash = await this.#deps.tokens.hash(token);
    const indexed = this.#deps.index?.find(hash, generation);
    if (indexed !== undefined) return typeof indexed === "object" ? indexed : null;
    const cached = this.#entries.get(hash);
    if (cached !== undefined) return cached || null;
    this.#deps.onStoreRead?.("lookup");
    const row = feedByTokenHash(this.#deps.sql, hash);
    let entry: FeedEntry | false = false;
    if (row !== null) {
      const { kind, id } = parseFeedKey(row.feed);
      entry = {
        kind,
        org: row.org,
        id,
        bodyKey: row.bodyKey,
        identityKey: row.identityKey,
        etag: row.etag,
        lastModified: row.lastModified,
        size: row.size,
        events: row.events,
      };
      if (row.lastModifiedShared) entry.lastModifiedShared = true;
    }
    // A miss is cached too (until the next commit): scans of unknown tokens cost no read after the first.
    if (this.#deps.generation() === generation) this.#entries.set(hash, entry);
    return entry || null;
  }

  /**
   * For a token that opens no live feed: whether it is a known dead link (`rotated`, or `retired` with its feed),
   * or `null` when it was never issued. One indexed read, then remembered until the next commit.
   */
  async dead(token: string): Promise<DeadLink | null> {
    const generation = this.#fresh();
    const hash = await this.#deps.tokens.hash(token);
    const indexed = this.#deps.index?.find(hash, generation);
    if (indexed !== undefined) return typeof indexed === "string" ? indexed : null;
    const cached = this.#dead.get(hash);
    if (cached !== undefined) return cached === "none" ? null : cached;
    this.#deps.onStoreRead?.("lookup");
    const verdict = deadLinkOf(this.#deps.sql, hash);
    if (this.#deps.generation() === generation) this.#dead.set(hash, verdict ?? "none");
    return verdict;
  }

  /** The generation now, with the caches of an older one dropped. */
  #fresh(): number {
    const generation = this.#deps.generation();
    if (generation !== this.#generation) {
      this.#entries.clear();
      this.#dead.clear();
      this.#tiers.clear();
      this.#generation = generation;
    }
    return generation;
  }

  /** An organization's tier (`standard` when it has none). */
  tier(org: string): Tier {
    this.#fresh();
    let tier = this.#tiers.get(org);
    if (tier === undefined) {
      tier = orgRow(this.#deps.sql, org)?.tier ?? "standard";
      this.#tiers.set(org, tier);
    }
    return tier;
  }

  /**
   * Whether {@link body} would answer without expensive work: from memory, by joining a decompression already
   * under way, or by an inline read (and a small inline decompression). A streamed big feed or a decompression
   * through the codec is expensive work.
   */
  cheap(entry: FeedEntry, encoding: "gzip" | "identity"): boolean {
    if (encoding === "gzip") return true;
    if (entry.identityKey !== null) return false;
    const key = `${entry.bodyKey}${IDENTITY}`;
    return this.#bodies.has(key) || this.#decompressing.has(key) || this.#inline(entry) !== null;
  }

  /** The inline gunzip, when this entry's identity body is small enough for it. */
  #inline(entry: FeedEntry): ((bytes: Uint8Array) => Uint8Array) | null {
    const inline = this.#deps.inline;
    return inline && entry.size <= inline.maxBytes ? inline.gunzip : null;
  }

  /**
   * A feed's body as stored (`gzip`) or decompressed (`identity`, for clients that send no Accept-Encoding, like
   * Google's importer), or `null` when the store no longer has it.
   */
  async body(entry: FeedEntry, encoding: "gzip" | "identity"): Promise<FeedBody | null> {
    if (encoding === "identity" && entry.identityKey !== null)
      return this.#stream(entry.identityKey, entry.size);
    const key = encoding === "gzip" ? entry.bodyKey : `${entry.bodyKey}${IDENTITY}`;
    const cached = encoding === "gzip" && this.#deps.sharedBodies ? undefined : this.#bodies.get(key);
    if (cached) return cached;
    const shared = this.#deps.sharedBodies;
    let gz = (shared ? shared.get(entry.bodyKey) : this.#bodies.get(entry.bodyKey)) ?? null;
    if (!gz) {
      this.#deps.onStoreRead?.("body");
      gz = readBlob(this.#deps.sql, entry.bodyKey);
      if (!gz) return null;
      if (shared) shared.put(entry.bodyKey, gz);
      else this.#remember(entry.bodyKey, gz);
    }
    if (encoding === "gzip") return gz;
    const gunzipInline = this.#inline(entry);
    if (gunzipInline) {
      const identity = gunzipInline(gz);
      this.#remember(key, identity);
      return identity;
    }
    // One decompression per body however many ask for it at once (a burst on one cold feed is one unit of work).
    let pending = this.#decompressing.get(key);
    if (!pending) {
      const source = gz;
      pending = (async () => {
        try {
          const identity = await (this.#deps.codec ?? webCodec).gunzip(source);
          this.#remember(key, identity);
          return identity;
        } finally {
          this.#decompressing.delete(key);
        }
      })();
      this.#decompressing.set(key, pending);
    }
    return pending;
  }

  /** Caches a body unless it would take more than an eighth of the cache. */
  #remember(key: string, bytes: Uint8Array): void {
    if (bytes.length <= this.#deps.cacheBytes / 8) this.#bodies.set(key, bytes);
  }

  /** A stored body streamed part by part (one part in memory at a time). */
  #stream(key: string, length: number): FeedBody | null {
    const { sql } = this.#deps;
    this.#deps.onStoreRead?.("body");
    const parts = blobParts(sql, key);
    if (parts === 0) return null;
    let part = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const bytes = readBlobPart(sql, key, part++);
        if (bytes === null) controller.error(new Error(`feed body \`${key}\` vanished while it was sent`));
        else controller.enqueue(bytes);
        if (part >= parts) controller.close();
      },
    });
    return { stream, length };
  }
}
