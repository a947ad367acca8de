/**
 * The Worker's bindings (wrangler.toml) and its settings, validated once at the boundary with the same rules as
 * the Node service's environment (`parseConfig`). Secrets come from `wrangler secret put`; a missing or invalid
 * one is not an error here: the Worker then fails closed (503) on the routes that need it.
 */
import { parseConfig } from "../core/config.ts";
import type { ServiceSettings } from "../core/publish/unit-deps.ts";
import type { FetchNote } from "../core/fetch-log.ts";
import type { Job } from "../core/maintenance/jobs.ts";
import type { MetricFamily } from "../core/metrics.ts";
import type { Traffic } from "../core/traffic.ts";
import type { RegenerateScope } from "../core/maintenance/maintenance.ts";
import type { EdgeLimitBindings } from "./edge-limits.ts";
import type { SearchHits } from "../core/publish/search.ts";
import type { FeedEntry } from "../core/serving/feed-entry.ts";
import type { SubscribeInfo } from "../core/serving/upcoming.ts";
import type { PartnerKeyRow } from "../core/store/partner-keys-table.ts";
import type { MadeKey } from "./partner-index.ts";
import { workerLogger } from "./logger.ts";

/**
 * What the Worker and its Cron Trigger call on an organization's Durable Object. `OrgObject` (`org-object.ts`)
 * implements it; the bindings name this contract rather than the class, so the class can read the settings here.
 */
export interface OrgAuthority extends Rpc.DurableObjectBranded {
  /** Admin requests, forwarded once authenticated. */
  fetch(request: Request): Promise<Response>;
  /** Whether no work is queued: no job step left, nothing waiting for the edge. */
  idle(): Promise<boolean>;
  /** The daily roll of the organization's schedules, as a job; `null` when none is due. */
  roll(): Promise<Job | null>;
  /** Queues a regeneration of a scope within the organization. */
  regenerate(scope: RegenerateScope): Promise<Job>;
  /** A job's progress, or `null`. */
  job(id: string): Promise<Job | null>;
  /** The subscribe page's facts for a live feed of the organization (`subscribeInfo`), or `null`. */
  subscribeInfo(entry: FeedEntry): Promise<SubscribeInfo | null>;
  /** The organization's people and schedules matching a query, at most `limit` of each (`search`). */
  search(query: string, limit: number): Promise<SearchHits>;
  /** Records a batch of the organization's feed requests noted at the edge (`edge-telemetry.ts`). */
  recordFetches(notes: FetchNote[]): Promise<void>;
  /** The organization's traffic view, from its fetch telemetry (`GET /admin/traffic` merges every one). */
  traffic(): Promise<Traffic>;
  /** The organization's lasting fetch counts and newest fetch per client family (`/metrics` adds every one). */
  telemetryMetrics(): Promise<MetricFamily[]>;
  /** Stores a new partner key of the organization, with its index entries (`partner-index.ts`). */
  createPartnerKey(input: NewPartnerKey, key: string): Promise<MadeKey>;
  /** The organization's partner keys, oldest first. */
  partnerKeys(org?: string): Promise<PartnerKeyRow[]>;
  /** Revokes one of the organization's partner keys; `null` for an unknown id. */
  revokePartnerKey(id: string): Promise<PartnerKeyRow | null>;
}

/** A partner key to store: everything but what the store sets. */
export type NewPartnerKey = Omit<PartnerKeyRow, "keyHash" | "createdAt" | "revokedAt">;

/** What wrangler.toml binds, plus the secrets. */
export interface WorkerEnv extends EdgeLimitBindings {
  /** One Durable Object per organization (SQLite storage): the authority. */
  ORGS: DurableObjectNamespace<OrgAuthority>;
  /** Served feed bodies, with validators in their metadata; written by the Durable Objects only. */
  FEEDS: R2Bucket;
  /** Workers Analytics Engine: one data point per answered feed request (`edge-telemetry.ts`); optional. */
  FEED_ANALYTICS?: AnalyticsEngineDataset;
  ADMIN_TOKEN?: string;
  FEED_SECRET?: string;
  PUBLIC_URL?: string;
  FEED_PAST_DAYS?: string;
  FEED_FUTURE_DAYS?: string;
  REFRESH_INTERVAL_MINUTES?: string;
  MAX_SNAPSHOT_BYTES?: string;
  /** People rendered per Durable Object invocation when a publish fans out (see `fan-out-runner.ts`). */
  FAN_OUT_BATCH?: string;
  /** A new partner key's quota unless its request names one, as on Node. */
  PARTNER_BURST?: string;
  PARTNER_PER_HOUR?: string;
}

/** The Worker's settings. */
export interface WorkerSettings {
  /** `null` when unset or invalid: every admin route answers 503. */
  adminToken: string | null;
  /** `null` when unset or invalid: every feed and admin route answers 503. */
  feedSecret: string | null;
  publicUrl: string;
  maxSnapshotBytes: number;
  /** People per fan-out batch. */
  fanOutBatch: number;
  service: ServiceSettings;
  /** The shared fetchers' address ranges: the built-in list and `SHARED_FETCHER_RANGES`, as on Node. */
  sharedFetcherRanges: readonly string[];
  /** A new partner key's quota unless its request names one (`PARTNER_BURST`, `PARTNER_PER_HOUR`). */
  partnerDefaults: { burst: number; perHour: number };
}

/**
 * Default largest snapshot body on Workers (16 MiB): the largest whose publish is tested to fit a 128 MB isolate —
 * a 16 MiB publish and an 8 MiB one of two organizations at once in one isolate complete with the V8 heap capped
 * at 128 MB (`test/worker/socket/big-publish.test.ts`; docs/cloudflare.md › Memory).
 */
export const WORKER_MAX_SNAPSHOT_BYTES = 16 * 1024 * 1024;
/** Schedule feeds at least this long are hashed and gzipped as they are encoded (`feedBytes`). */
const STREAM_FEED_BYTES = 1024 * 1024;
/** Default people per fan-out batch. */
export const DEFAULT_FAN_OUT_BATCH = 250;
/**
 * The rendered-event cache of a Durable Object, in characters (at most twice this in bytes): small, since an
 * isolate has 128 MB and pieces are stored anyway. Bodies are never cached in isolate memory (R2 serves them).
 */
const EVENT_CACHE_CHARS = 2 * 1024 * 1024;

let cached: { env: WorkerEnv; settings: WorkerSettings } | null = null;

/**
 * Reads the settings from the Worker's environment (parsed once per isolate).
 * @throws Error naming each bad variable (not secrets: a bad secret counts as unset, and is logged, `secret_invalid`); on
 * Workers `PUBLIC_URL` is an origin only.
 */
export function workerSettings(env: WorkerEnv): WorkerSettings {
  if (cached?.env === env) return cached.settings;
  const secret = (name: "ADMIN_TOKEN" | "FEED_SECRET"): string | null => {
    const value = env[name];
    if (!value) return null;
    try {
      parseConfig({ [name]: value });
      return value;
    } catch (error) {
      // Said once per isolate, without the value: the 503s alone would read as if it were not set.
      const reason = error instanceof Error ? error.message.replace(/ \(unset it[^)]*\)/, "") : String(error);
      workerLogger.error("secret_invalid", { name, reason });
      return null;
    }
  };
  const config = parseConfig({
    PUBLIC_URL: env.PUBLIC_URL,
    FEED_PAST_DAYS: env.FEED_PAST_DAYS,
    FEED_FUTURE_DAYS: env.FEED_FUTURE_DAYS,
    REFRESH_INTERVAL_MINUTES: env.REFRESH_INTERVAL_MINUTES,
    MAX_SNAPSHOT_BYTES: env.MAX_SNAPSHOT_BYTES || String(WORKER_MAX_SNAPSHOT_BYTES),
    SHARED_FETCHER_RANGES: env.SHARED_FETCHER_RANGES,
    SHARED_FETCHER_BUILTIN: env.SHARED_FETCHER_BUILTIN,
    PARTNER_BURST: env.PARTNER_BURST,
    PARTNER_PER_HOUR: env.PARTNER_PER_HOUR,
  });
  // The Worker answers at the root of its route (a route `host/prefix/*` still sends the prefix): links built on a
  // path would all be dead, where Node may sit behind a proxy that strips one.
  if (new URL(config.publicUrl).pathname !== "/") {
    throw new Error(
      `\`PUBLIC_URL\` must be an origin such as https://feeds.example.org on Workers (no path), got "${config.publicUrl}"`,
    );
  }
  const batch = Number(env.FAN_OUT_BATCH || DEFAULT_FAN_OUT_BATCH);
  if (!Number.isInteger(batch) || batch < 1 || batch > 10_000) {
    throw new Error(`\`FAN_OUT_BATCH\` must be a whole number from 1 to 10000, got "${env.FAN_OUT_BATCH}"`);
  }
  const settings: WorkerSettings = {
    adminToken: secret("ADMIN_TOKEN"),
    feedSecret: secret("FEED_SECRET"),
    publicUrl: config.publicUrl,
    maxSnapshotBytes: config.maxSnapshotBytes,
    fanOutBatch: batch,
    service: {
      pastDays: config.pastDays,
      futureDays: config.futureDays,
      refreshSeconds: config.refreshSeconds,
      // The Durable Object's own reader (admin views) keeps little: feeds are served from R2.
      cacheBytes: 1024 * 1024,
      eventCacheChars: EVENT_CACHE_CHARS,
      // R2 serves every feed gzipped (an identity request decompresses it as it streams): no identity body is
      // kept, and a big schedule feed is hashed and gzipped as it is encoded, never held whole.
      bigFeedBytes: Number.POSITIVE_INFINITY,
      streamFeedBytes: STREAM_FEED_BYTES,
      // A whole schedule's events are expanded a batch of people at a time, never all at once.
      eventSlice: batch,
    },
    sharedFetcherRanges: config.limits.sharedFetcherRanges,
    // As Node computes it from the same settings.
    partnerDefaults: { burst: config.limits.partner.burst, perHour: config.limits.partner.perSecond * 3600 },
  };
  cached = { env, settings };
  return settings;
}
