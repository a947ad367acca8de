/**
 * The protection settings — per-client limits, admission control and connection bounds — with their defaults in
 * one place. Defaults are far above what any calendar app does (Apple polls every 5–60 minutes, Google and
 * Outlook every few hours), so only a misbehaving client ever meets them. docs/limits.md documents each one.
 */
import type { BucketRule } from "./bucket-table.ts";
import { SHARED_FETCHER_RANGES } from "./shared-fetchers.ts";

export interface LimitSettings {
  /**
   * Per feed token and client address (every phone, or every NAT, polls a link on its own budget). Default 200,
   * 2,400 / h: twice a department's 100 phones polling every 5 minutes from behind one address.
   */
  token: BucketRule;
  /** Per client address, every feed, subscribe-page and partner request. Default 1,000, 50 / s. */
  address: BucketRule;
  /** Per client address, tokens never issued (checksum fails, or opens nothing ever known). Default 100, 360 / h. */
  misses: BucketRule;
  /**
   * Shared fetchers (addresses in {@link sharedFetcherRanges}): their address, token and miss budgets are this
   * many times the ordinary ones. Default 20.
   */
  sharedFetcherFactor: number;
  /** The address ranges of shared fetchers (CIDR): the built-in list and `SHARED_FETCHER_RANGES`. */
  sharedFetcherRanges: readonly string[];
  /** A partner key's quota unless the key sets its own. Default 500, 3,600 / h. */
  partner: BucketRule;
  /** Most expensive units of work in flight (renders, cold body reads, partner ranges). Default 32. */
  maxInflight: number;
  /** Of `maxInflight`, kept for admin calls (publishes, retirements). Default 8. */
  adminReserved: number;
  /** Share of the rest that `standard` organizations (and partner ranges, regenerations) may use, percent. 50. */
  standardSharePercent: number;
  /** Longest `Retry-After` sent, in seconds. Default 3,600. */
  maxRetryAfterSeconds: number;
}

/** A rule `factor` times as large (burst and rate). */
export const scaled = (rule: BucketRule, factor: number): BucketRule => ({
  burst: rule.burst * factor,
  perSecond: rule.perSecond * factor,
});

/** A rule from a burst and a per-hour rate. */
export const perHour = (burst: number, hourly: number): BucketRule => ({ burst, perSecond: hourly / 3600 });

/** The defaults (see {@link LimitSettings}). */
export const DEFAULT_LIMITS: LimitSettings = {
  token: perHour(200, 2400),
  address: { burst: 1000, perSecond: 50 },
  misses: perHour(100, 360),
  sharedFetcherFactor: 20,
  sharedFetcherRanges: SHARED_FETCHER_RANGES,
  partner: perHour(500, 3600),
  maxInflight: 32,
  adminReserved: 8,
  standardSharePercent: 50,
  maxRetryAfterSeconds: 3600,
};

/** Who asks for expensive work, most important first. */
export type WorkClass = "admin" | "enterprise" | "standard" | "partner" | "background";

/** The in-flight count below which each class is admitted. */
export function thresholds(s: LimitSettings): Record<WorkClass, number> {
  const open = Math.max(1, s.maxInflight - s.adminReserved);
  const standard = Math.max(1, Math.floor((open * s.standardSharePercent) / 100));
  return { admin: s.maxInflight, enterprise: open, standard, partner: standard, background: standard };
}
