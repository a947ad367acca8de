/**
 * Messages between the main thread and the serving threads (`serve-threads.ts`, `serving-thread.ts`). A thread is
 * started with what is known before the database opens (it listens at once and answers `503` "starting"), is sent
 * `open` with the secrets once the main thread has loaded, and serves only once every thread has opened and the
 * main thread has set the shared `ready` flag.
 */
import type { CalendarClient } from "../core/clients.ts";
import type { CounterSample } from "../core/metrics.ts";
import type { ConnectionSettings } from "../core/config.ts";
import type { LimitSettings } from "../core/limits/settings.ts";
import type { ZoneRulesChoice } from "./host-zone-rules.ts";
import type { RangeQuestion, RangeReply } from "./partner-ranges.ts";

/** What a serving thread is started with, before the database is opened. */
export interface ServingThreadData {
  port: number;
  host: string;
  databasePath: string;
  /** `PUBLIC_URL`: the subscribe page builds its links on it. */
  publicUrl: string;
  cacheBytes: number;
  /** `INLINE_DECOMPRESS_KIB` in bytes. */
  inlineDecompressBytes: number;
  maxSnapshotBytes: number;
  bodyIdleTimeoutMs: number | undefined;
  /**
   * One Int32, set to 1 by the main thread once every serving thread has opened: until then every thread answers
   * `503` "starting" (`/healthz` included), from then on every thread answers for real — all of them at once.
   */
  ready: SharedArrayBuffer;
  /** A shared Float64 clock, or `null` for the wall clock. */
  clock: SharedArrayBuffer | null;
  /** The refresh hint of iCalendar partner ranges, in seconds. */
  refreshSeconds: number;
  /** The tz data every thread computes local times with (`host-zone-rules.ts`). */
  zoneRules: ZoneRulesChoice;
  /** Per-client limits, admission and connection bounds, over buffers every thread shares. */
  limits: {
    settings: LimitSettings;
    clientLimits: boolean;
    clientIpHeader: string | null;
    connections: ConnectionSettings;
    /** The per-client bucket table, the limit state, the open-connection counters. */
    buckets: SharedArrayBuffer;
    state: SharedArrayBuffer;
    connectionCounters: SharedArrayBuffer;
  };
}

/** What a thread needs to serve, sent once the main thread has opened the database. */
export interface ServeOpenData {
  feedSecret: string;
  /** The admin secret: checked here, so an unauthenticated request is refused before its body is read. */
  adminToken: string | null;
  /** One Int32: the commit generation. */
  generation: SharedArrayBuffer;
}

/** A feed request answered by a serving thread, for who-polls-what. */
export interface FetchNote {
  /** `org/feed key`, or `null` when the request opened no feed. */
  feed: string | null;
  client: CalendarClient;
  userAgent: string | null;
  status: number;
  at: number;
  /** SHA-256 of the token of a refusal that opened no feed: the fetch log puts it down to its feed. */
  tokenHash?: string;
}

export type ToMain =
  | { type: "listening" }
  | { type: "listen-failed"; code: string | undefined; message: string }
  | { type: "opened" }
  | { type: "open-failed"; message: string }
  | {
      type: "forward";
      id: number;
      method: string;
      url: string;
      headers: [string, string][];
      body: Uint8Array | null;
    }
  | {
      type: "log";
      level: "info" | "warn" | "error";
      event: string;
      fields: Record<string, unknown> | undefined;
    }
  | { type: "stats"; id: number; counters: CounterSample[]; fetches: FetchNote[] }
  | RangeQuestion;

export type ToServer =
  | { type: "response"; id: number; status: number; headers: [string, string][]; body: Uint8Array | null }
  | ({ type: "open" } & ServeOpenData)
  | { type: "flush"; id: number }
  | RangeReply
  | { type: "stop" };
