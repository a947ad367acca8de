/**
 * Per-client limits of feed requests at the edge, on the Workers Rate Limiting binding (`[[ratelimits]]` in
 * wrangler.toml): counters kept by the platform in each Cloudflare location, one fixed window per key, so a
 * quota holds across every isolate of a location — where a counter in isolate memory would hold per isolate only,
 * and one in a Durable Object or KV would cost a round trip or a write per request.
 *
 * Node's model (docs/limits.md › Per-client limits), as far as the binding can express it:
 * - **Misses** — tokens never issued — are counted per client address, and the miss budget refuses only further
 *   misses: a scanner is held while every live link of its address is still served.
 * - **Live links** are counted per link and client address (the token's hash, never the token, is the key), so a
 *   link on a hundred phones is a hundred budgets while one client hammering it is held.
 * - **Dead links** (rotated, or of a feed that went) are counted against no one: the binding cannot give back
 *   what it took, so a token's budget is taken only once the one R2 read has said it is live (Node takes first and
 *   gives back). So that a client that keeps hammering does not cost a read per refusal, a refused link and address
 *   is remembered in the isolate for {@link HELD_SECONDS} and refused again before any read (the window's count
 *   only grows until it ends, so the binding would refuse it too, but within that long after the window's end).
 * - **Shared fetchers** (Google's, Apple's and Microsoft's published ranges, the same data as on Node,
 *   `SHARED_FETCHER_RANGES` added) count on bindings twenty times as large.
 * The client address is `CF-Connecting-IP`, set by Cloudflare (a client cannot choose it), parsed as on Node (IPv6
 * by its /64).
 */
import { RangeSet } from "../core/limits/address-ranges.ts";
import { clientOf, keyBytes } from "../core/limits/client-address.ts";
import { jitteredSeconds } from "../core/limits/protection.ts";
import type { FeedTokens } from "../core/tokens.ts";
import { FEED_PATH, rawPath } from "../http/feed-answer.ts";

/** The window of every limit binding in wrangler.toml, in seconds (the binding allows 10 or 60). */
export const EDGE_LIMIT_PERIOD_SECONDS = 60;

/** The limit bindings and the variables that widen the shared fetchers' list (as on Node). */
export interface EdgeLimitBindings {
  /** Requests for one live link from one client address, per window. */
  LINK_LIMIT?: RateLimit;
  /** The same from a shared fetcher's address. */
  LINK_LIMIT_SHARED?: RateLimit;
  /** Tokens never issued from one client address, per window. */
  MISS_LIMIT?: RateLimit;
  /** The same from a shared fetcher's address. */
  MISS_LIMIT_SHARED?: RateLimit;
  SHARED_FETCHER_RANGES?: string;
  SHARED_FETCHER_BUILTIN?: string;
}

/** Where a well-formed token stands at the edge: what the one R2 read says (`EdgeSource` in `edge-feeds.ts`). */
export interface TokenStanding {
  /** A live feed, a known dead link, or nothing ever issued (`none`). Throws when storage is unavailable. */
  state(token: string): Promise<"live" | "dead" | "none">;
}

/** A refusal: which budget, the `Retry-After` to send, and the token's hash when it was a live link. */
export interface EdgeRefusal {
  limit: "token" | "misses";
  retryAfter: number;
  tokenHash?: string;
}

/** Addresses whose shared-fetcher verdict is remembered, and refused link keys held (each cleared when full). */
const SEEN_MAX = 10_000;

/** How long a refused link and address is refused again with no R2 read and no binding call, in seconds. */
export const HELD_SECONDS = 10;

/** The client address a request counts against: `CF-Connecting-IP`, parsed; `null` when absent or no address. */
export function edgeClient(request: Request): string | null {
  const header = request.headers.get("cf-connecting-ip");
  return header === null ? null : clientOf(header).key;
}

export class EdgeLimits {
  readonly #bindings: EdgeLimitBindings;
  readonly #shared: RangeSet;
  readonly #seen = new Map<string, boolean>();
  readonly #random: () => number;
  readonly #clock: () => number;
  /** Refused link keys and until when (ms) they are refused before the read. */
  readonly #held = new Map<string, number>();

  /** @param sharedFetcherRanges the shared fetchers' ranges (the built-in list and `SHARED_FETCHER_RANGES`). */
  constructor(
    bindings: EdgeLimitBindings,
    sharedFetcherRanges: readonly string[],
    random = Math.random,
    clock = Date.now,
  ) {
    this.#bindings = bindings;
    this.#clock = clock;
    this.#shared = new RangeSet(sharedFetcherRanges);
    this.#random = random;
  }

  /**
   * Checks a feed request (or a subscribe page's, with `token` as its path names it) against the budgets of the
   * feed, in Node's order where the binding allows it: method (a `405` is
   * no one's), path and checksum (a failure is a miss, with no R2 read), a link and address held since a refusal
   * (no read), then the one R2 read, then the link's budget for a live link, nothing for a dead one, the miss
   * budget for a token never issued.
   * @returns the refusal, or `null` to answer the request (a failed R2 read too: the feed answer reports it).
   */
  async gate(
    request: Request,
    source: TokenStanding,
    tokens: FeedTokens,
    token: string | undefined = FEED_PATH.exec(rawPath(request.url))?.[1],
  ): Promise<EdgeRefusal | null> {
    if (request.method !== "GET" && request.method !== "HEAD") return null;
    const client = edgeClient(request);
    if (token === undefined || !(await tokens.isWellFormed(token))) return this.#miss(client);
    const tokenHash = await tokens.hash(token);
    const key = `${tokenHash}|${client ?? ""}`;
    const heldUntil = this.#held.get(key);
    if (heldUntil !== undefined) {
      if (heldUntil > this.#clock()) return { limit: "token", retryAfter: this.#retryAfter(), tokenHash };
      this.#held.delete(key);
    }
    let state: "live" | "dead" | "none";
    try {
      state = await source.state(token);
    } catch {
      return null;
    }
    if (state === "dead") return null;
    if (state === "none") return this.#miss(client);
    const shared = this.#sharedFetcher(client);
    const binding = shared ? this.#bindings.LINK_LIMIT_SHARED : this.#bindings.LINK_LIMIT;
    if (await this.#allowed(binding, key)) return null;
    if (this.#held.size >= SEEN_MAX) this.#held.clear();
    this.#held.set(key, this.#clock() + HELD_SECONDS * 1000);
    return { limit: "token", retryAfter: this.#retryAfter(), tokenHash };
  }

  /**
   * Counts a miss of a request that is not a feed's (a partner key that opens nothing) against its address's miss
   * budget, the one scans of feed tokens count on.
   * @returns the refusal when the budget is spent, or `null`.
   */
  miss(request: Request): Promise<EdgeRefusal | null> {
    return this.#miss(edgeClient(request));
  }

  async #miss(client: string | null): Promise<EdgeRefusal | null> {
    if (client === null) return null;
    const binding = this.#sharedFetcher(client)
      ? this.#bindings.MISS_LIMIT_SHARED
      : this.#bindings.MISS_LIMIT;
    return (await this.#allowed(binding, client))
      ? null
      : { limit: "misses", retryAfter: this.#retryAfter() };
  }

  /** Whether the binding lets one more through; an absent or failing binding refuses no one. */
  async #allowed(binding: RateLimit | undefined, key: string): Promise<boolean> {
    if (binding === undefined) return true;
    try {
      return (await binding.limit({ key })).success;
    } catch {
      // A limit the platform cannot check must not fail a calendar poll.
      return true;
    }
  }

  /** The window ends within one period: wait that long, plus up to half again so refused clients spread out. */
  #retryAfter(): number {
    const period = EDGE_LIMIT_PERIOD_SECONDS;
    return jitteredSeconds(period, period * 1.5, this.#random);
  }

  #sharedFetcher(client: string | null): boolean {
    if (client === null || this.#shared.size === 0) return false;
    let known = this.#seen.get(client);
    if (known === undefined) {
      const bytes = keyBytes(client);
      known = bytes !== null && this.#shared.has(bytes);
      if (this.#seen.size >= SEEN_MAX) this.#seen.clear();
      this.#seen.set(client, known);
    }
    return known;
  }
}
