/**
 * The gate every token-bearing request passes — a feed (`feed-answer.ts`) and its subscribe page
 * (`pages/subscribe-page.ts`) — so both meet the same budgets in the same order, with the same buckets: one rule,
 * one place. Also which client a request counts against (`requestClient`).
 */
import type { FeedEntry } from "../core/serving/feed-entry.ts";
import { clientOf } from "../core/limits/client-address.ts";
import type { Protection } from "../core/limits/protection.ts";
import type { DeadLink } from "../core/store/dead-links-table.ts";
import type { FeedTokens } from "../core/tokens.ts";

/** The lookups a token passes through (a feed's source: `FeedSource` in `feed-answer.ts`). */
export interface TokenLookup {
  /** The live entry for a token that already passed `isWellFormed`, or null. Throws when storage is unavailable. */
  lookup(token: string): Promise<FeedEntry | null>;
  /**
   * Optional: for a token `lookup` found no feed for, whether it is a known dead link (`rotated`, `retired`) or
   * was never issued (`null`). Throws when storage is unavailable. Default: every such token was never issued.
   */
  dead?(token: string): Promise<DeadLink | null>;
}

/** What a token in a request path comes to, under the limits (see {@link gateToken}). */
export type TokenGate =
  /** Over a budget: answer `429`; `tokenHash` when the token was a real one (for the fetch log). */
  | { kind: "refused"; retryAfter: number; tokenHash?: string }
  /** Never issued (counted as a miss): the plain `404`. */
  | { kind: "missing" }
  /** A known dead link, rotated or of a feed that went (counted against no one): the plain `404`. */
  | { kind: "dead"; dead: DeadLink }
  | { kind: "live"; token: string; entry: FeedEntry }
  /** Storage failed during the lookup. */
  | { kind: "unavailable"; token: string; error: unknown };

/** What {@link gateToken} needs. */
export interface TokenGateDeps {
  tokens: FeedTokens;
  protection?: Protection | undefined;
  source: TokenLookup;
}

/**
 * The budgets every token-bearing request passes — the feed and its subscribe page — in one place, cheapest first:
 * the path's shape and the keyed checksum (no storage; a failure is a miss, and takes from the miss budget only);
 * then for a well-formed token the address's budget; the token's budget for this address; the lookup, and for a
 * token that opens nothing, the dead links. A dead link gives back what it took and counts as no miss; only a
 * never-issued token counts as a miss, and the miss budget refuses only misses — so a scanner behind a NAT spends
 * the NAT's miss budget, never the address budget its live links are served on.
 * @param candidate the token as it appears in the path (`undefined`: the path has none).
 */
export async function gateToken(
  deps: TokenGateDeps,
  client: string | null,
  candidate: string | undefined,
): Promise<TokenGate> {
  const { tokens, protection: guard, source } = deps;
  const miss = (): TokenGate => {
    const overMisses = guard?.miss(client);
    return overMisses ? { kind: "refused", retryAfter: overMisses.retryAfter } : { kind: "missing" };
  };
  if (candidate === undefined || !(await tokens.isWellFormed(candidate))) return miss();
  const token = candidate;
  // A refusal of a real link is noted with its token's hash, to be put down to its feed off the request path.
  const overAddress = guard?.address(client);
  if (overAddress)
    return { kind: "refused", retryAfter: overAddress.retryAfter, tokenHash: await tokens.hash(token) };
  const overToken = guard?.token(token, client);
  if (overToken)
    return { kind: "refused", retryAfter: overToken.retryAfter, tokenHash: await tokens.hash(token) };
  let entry: FeedEntry | null;
  let dead: DeadLink | null = null;
  try {
    entry = await source.lookup(token);
    if (entry === null) dead = (await source.dead?.(token)) ?? null;
  } catch (error) {
    return { kind: "unavailable", token, error };
  }
  if (entry !== null) return { kind: "live", token, entry };
  if (dead === null) return miss();
  // A known dead link costs its poller nothing: Google keeps polling them from the address it polls live ones.
  guard?.untoken(token, client);
  return { kind: "dead", dead };
}

/** The client key of a request (see `clientOf`), counting a proxy header that named no usable address. */
export function requestClient(
  protection: Protection | undefined,
  peer: string | null | undefined,
  proxyHeader: string | null,
): string | null {
  const { key, unusable } = clientOf(peer, proxyHeader);
  if (unusable) protection?.unusableAddress();
  return key;
}
