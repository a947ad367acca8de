/**
 * Per-client limits and admission control as the HTTP edge asks for them: one object per thread over the
 * process-wide shared table and state. Every check is O(1) and reads no storage, so a refused request costs a
 * hash and a few memory accesses — never a database read or a render.
 */
import type { BucketRule, BucketTable } from "./bucket-table.ts";
import type { LimitState, Refusal } from "./limit-state.ts";
import { RangeSet } from "./address-ranges.ts";
import { keyBytes } from "./client-address.ts";
import { scaled, thresholds, type LimitSettings, type WorkClass } from "./settings.ts";

/** Addresses whose shared-fetcher verdict is remembered (cleared when full). */
const SHARED_SEEN_MAX = 10_000;

/** `Retry-After` of a shed request: uniform in this range (seconds), so a crowd told to come back spreads out. */
export const SHED_RETRY_AFTER = { min: 5, max: 30 } as const;

/** A whole number of seconds uniform in [min, max]. */
export function jitteredSeconds(min: number, max: number, random: () => number): number {
  const spread = Math.max(0, Math.floor(max) - Math.floor(min)) + 1;
  return Math.min(Math.floor(max), Math.floor(min) + Math.floor(Math.max(0, random()) * spread));
}

/** A refusal by a per-client limit: which one, and the `Retry-After` to send (seconds, jittered). */
export interface Limited {
  limit: Refusal;
  retryAfter: number;
}

export interface ProtectionDeps {
  settings: LimitSettings;
  buckets: BucketTable;
  state: LimitState;
  /** Uniform [0, 1) for jitter (`Math.random` on Node; tests pass their own). */
  random: () => number;
  /** `false` turns the per-token, per-address and miss budgets off (admission and partner quotas stay). */
  clientLimits?: boolean;
}

/** What `/healthz` and `/metrics` show of the limits. */
export interface ProtectionStatus {
  shedding: boolean;
  inflight: number;
  maxInflight: number;
  refused: Record<Refusal, number>;
  /** Requests whose proxy header named no usable address. */
  unusableAddresses: number;
}

export class Protection {
  readonly settings: LimitSettings;
  readonly #buckets: BucketTable;
  readonly #state: LimitState;
  readonly #random: () => number;
  readonly #below: Record<WorkClass, number>;
  readonly #perClient: boolean;
  readonly #shared: RangeSet;
  readonly #sharedSeen = new Map<string, boolean>();

  constructor(deps: ProtectionDeps) {
    this.#shared = new RangeSet(deps.settings.sharedFetcherRanges);
    this.#perClient = deps.clientLimits ?? true;
    this.settings = deps.settings;
    this.#buckets = deps.buckets;
    this.#state = deps.state;
    this.#random = deps.random;
    this.#below = thresholds(deps.settings);
  }

  /** The per-address budget of every request from `client` (skipped when the address is unknown). */
  address(client: string | null): Limited | null {
    if (client === null || !this.#perClient) return null;
    return this.#take("address", `a:${client}`, this.#rule(this.settings.address, client));
  }

  /**
   * Counts one miss — a token never issued — against `client`'s miss budget; a `Limited` when the budget was
   * already spent (answer `429` instead of `404`). Only misses are ever refused by this budget.
   */
  miss(client: string | null): Limited | null {
    if (client === null || !this.#perClient) return null;
    return this.#take("misses", `m:${client}`, this.#rule(this.settings.misses, client));
  }

  /** Gives back a miss counted by {@link miss} before the request was looked at (the partner API): it found what it asked for. */
  found(client: string | null): void {
    if (client !== null && this.#perClient) {
      this.#buckets.give(`m:${client}`, this.#rule(this.settings.misses, client));
    }
  }

  /**
   * The budget of a well-formed token from one client address: every phone — or every NAT, or every shared
   * fetcher's address — polls a link on a budget of its own, so no subscriber can drain it for the others.
   */
  token(token: string, client: string | null): Limited | null {
    if (!this.#perClient) return null;
    return this.#take("token", `t:${token}|${client ?? ""}`, this.#rule(this.settings.token, client));
  }

  /** Gives back what {@link token} took: the token turned out to be a dead link, which is never counted. */
  untoken(token: string, client: string | null): void {
    if (this.#perClient)
      this.#buckets.give(`t:${token}|${client ?? ""}`, this.#rule(this.settings.token, client));
  }

  /** Whether `client` (an address key) lies in a shared fetcher's published ranges. */
  sharedFetcher(client: string | null): boolean {
    if (client === null || this.#shared.size === 0) return false;
    let known = this.#sharedSeen.get(client);
    if (known === undefined) {
      const bytes = keyBytes(client);
      known = bytes !== null && this.#shared.has(bytes);
      if (this.#sharedSeen.size >= SHARED_SEEN_MAX) this.#sharedSeen.clear();
      this.#sharedSeen.set(client, known);
    }
    return known;
  }

  /** Counts a request whose proxy header named no usable address (it counted against the proxy's own). */
  unusableAddress(): void {
    this.#state.countUnusableAddress();
  }

  /** A rule, scaled up for a shared fetcher. */
  #rule(rule: BucketRule, client: string | null): BucketRule {
    return this.sharedFetcher(client) ? scaled(rule, this.settings.sharedFetcherFactor) : rule;
  }

  /** A partner key's quota (`rule`: the key's own, or the default). */
  partner(keyId: string, rule: BucketRule = this.settings.partner): Limited | null {
    return this.#take("partner", `p:${keyId}`, rule);
  }

  /**
   * Admits one unit of expensive work of a class, or `null` when it is shed; the returned function gives the
   * unit back (call it exactly once, when the work is done).
   */
  admit(kind: WorkClass): (() => void) | null {
    if (!this.#state.tryAcquire(kind, this.#below[kind])) return null;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#state.release();
    };
  }

  /** The `Retry-After` of a shed request. */
  shedRetryAfter(): number {
    return jitteredSeconds(SHED_RETRY_AFTER.min, SHED_RETRY_AFTER.max, this.#random);
  }

  /** Counts a refused connection. */
  refusedConnection(kind: "connections_address" | "connections_total"): void {
    this.#state.count(kind);
  }

  status(): ProtectionStatus {
    return {
      shedding: this.#state.shedding(),
      inflight: this.#state.inflight(),
      maxInflight: this.settings.maxInflight,
      refused: this.#state.counts(),
      unusableAddresses: this.#state.unusableAddresses(),
    };
  }

  #take(limit: Refusal, key: string, rule: BucketRule): Limited | null {
    const result = this.#buckets.take(key, rule);
    return result.ok ? null : this.#refuse(limit, result.waitSeconds);
  }

  /** Counts the refusal; `Retry-After` is the wait (at least 1 s) plus up to half of it again, capped. */
  #refuse(limit: Refusal, waitSeconds: number): Limited {
    this.#state.count(limit);
    const wait = Math.max(1, Math.ceil(waitSeconds));
    const retryAfter = Math.min(
      this.settings.maxRetryAfterSeconds,
      jitteredSeconds(wait, wait + wait / 2, this.#random),
    );
    return { limit, retryAfter };
  }
}
