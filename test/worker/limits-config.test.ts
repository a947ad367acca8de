/**
 * The Rate Limiting bindings of wrangler.toml (read by wrangler itself) against the model they implement: one 60 s
 * window each (`EDGE_LIMIT_PERIOD_SECONDS` in src/worker/edge-limits.ts, whose `Retry-After` the workerd tests
 * check), Node's bursts as the limits per window (docs/limits.md), and the shared fetchers' bindings
 * `LIMIT_SHARED_FETCHER_FACTOR` times as large — so the numbers live in one place, Node's defaults.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { DEFAULT_LIMITS } from "../../src/core/limits/settings.ts";

const CONFIG = fileURLToPath(new URL("../../wrangler.toml", import.meta.url));

describe("wrangler.toml rate limits", () => {
  it("bind the link and miss budgets, ordinary and shared, at Node's bursts per 60 s window", () => {
    const limits = Object.fromEntries(
      unstable_readConfig({ config: CONFIG }).ratelimits.map((r: { name: string; simple: unknown }) => [
        r.name,
        r.simple,
      ]),
    );
    const factor = DEFAULT_LIMITS.sharedFetcherFactor;
    expect(limits).toEqual({
      LINK_LIMIT: { limit: DEFAULT_LIMITS.token.burst, period: 60 },
      LINK_LIMIT_SHARED: { limit: DEFAULT_LIMITS.token.burst * factor, period: 60 },
      MISS_LIMIT: { limit: DEFAULT_LIMITS.misses.burst, period: 60 },
      MISS_LIMIT_SHARED: { limit: DEFAULT_LIMITS.misses.burst * factor, period: 60 },
    });
  });
});
