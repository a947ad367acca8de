/**
 * Messages between the main thread and the serving threads (`serve-threads.ts`, `http-worker.ts`).
 */
import type { CalendarClient } from "../core/clients.ts";
import type { CounterSample } from "../core/metrics.ts";
import type { ConnectionSettings } from "../core/config.ts";
import type { LimitSettings } from "../core/limits/settings.ts";

/** What a serving thread is started with. */
export interface ServeWorkerData {
  port: number;
  host: string;
  databasePath: string;
  feedSecret: string;
  /** The admin secret: checked here, so an unauthenticated request is refused before its body is read. */
  adminToken: string | null;
  /** `PUBLIC_URL`: the subscribe page builds its links on it. */
  publicUrl: string;
  cacheBytes: number;
  /** `INLINE_DECOMPRESS_KIB` in bytes. */
  inlineDecompressBytes: number;
  maxSnapshotBytes: number;
  bodyIdleTimeoutMs: number | undefined;
  /** One Int32: the commit generation. */
  generation: SharedArrayBuffer;
  /** A shared Float64 clock, or `null` for the wall clock. */
  clock: SharedArrayBuffer | null;
  /** The refresh hint of iCalendar partner ranges, in seconds. */
  refreshSeconds: number;
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
  | { type: "stats"; id: number; counters: CounterSample[]; fetches: FetchNote[] };

export type ToServer =
  | { type: "response"; id: number; status: number; headers: [string, string][]; body: Uint8Array | null }
  | { type: "flush"; id: number }
  | { type: "stop" };
