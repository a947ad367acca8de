/**
 * The protection settings — per-client limits, admission control and connection bounds — with their defaults in
 * one place. Defaults are far above what any calendar app does (Apple polls every 5–60 minutes, Google and
 * Outlook every few hours), so only a misbehaving client ever meets them. README "Limits" documents each one.
 */
import type { BucketRule } from "./bucket-table.ts";

export interface LimitSettings {
  /** Per feed token: a burst, refilled per hour. Default 20, 120 / h. */
  token: BucketRule;
  /** Per client address, every feed and partner request. Default 1,000, 50 / s. */
  address: BucketRule;
  /** Per client address, requests answered `404` (unknown or malformed tokens). Default 100, 360 / h. */
  misses: BucketRule;
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

/** A rule from a burst and a per-hour rate. */
export const perHour = (burst: number, hourly: number): BucketRule => ({ burst, perSecond: hourly / 3600 });

/** The defaults (see {@link LimitSettings}). */
export const DEFAULT_LIMITS: LimitSettings = {
  token: perHour(20, 120),
  address: { burst: 1000, perSecond: 50 },
  misses: perHour(100, 360),
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
