/**
 * Messages between the main thread and the serving threads (`serve-threads.ts`, `serving-thread.ts`). A thread is
 * started with what is known before the database opens (it listens at once and answers `503` "starting"), is sent
 * `open` with the secrets once the main thread has loaded, and serves only once every thread has opened and the
 * main thread has set the shared `ready` flag. A forwarded request's body stays in the serving thread until the
 * route answering it in the main thread reads it, so a request refused on its headers is refused before its body
 * is waited for, as in a single thread.
 */
import type { TallyBlock } from "./fetch-tally.ts";
import type { CounterSample } from "../core/metrics.ts";
import type { ConnectionSettings } from "../core/config.ts";
import type { LimitSettings } from "../core/limits/settings.ts";
import type { ThreadBase } from "./thread-base.ts";
import type { RangeQuestion, RangeReply } from "./partner-ranges.ts";

/** What a serving thread is started with, before the database is opened. */
export interface ServingThreadData extends ThreadBase {
  port: number;
  host: string;
  /** `PUBLIC_URL`: the subscribe page builds its links on it. */
  publicUrl: string;
  /** Bytes of decompressed (identity) bodies this thread keeps. */
  cacheBytes: number;
  /** The stored (gzip) bodies every serving thread shares (`shared-body-cache.ts`). */
  bodyCache: SharedArrayBuffer;
  /** `INLINE_DECOMPRESS_KIB` in bytes. */
  inlineDecompressBytes: number;
  /**
   * One Int32, set to 1 by the main thread once every serving thread has opened: until then every thread answers
   * `503` "starting" (`/healthz` included), from then on every thread answers for real — all of them at once.
   */
  ready: SharedArrayBuffer;
  /** A shared Float64 clock, or `null` for the wall clock. */
  clock: SharedArrayBuffer | null;
  /** One Int32: the commit generation, bumped by every commit; the thread's caches read it. */
  generation: SharedArrayBuffer;
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

/** What a thread needs to serve, sent once the main thread has opened the database. */
export interface ServeOpenData {
  feedSecret: string;
  /** The admin secret: checked here, so an unauthenticated request is refused before its body is read. */
  adminToken: string | null;
  /** The shared validator index (`validator-index.ts`), filled by the main thread. */
  validatorIndex: SharedArrayBuffer;
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
      /** Whether the request has a body: the main thread asks for it (`body-read`) only if its route reads it. */
      body: boolean;
    }
  /** The next piece of a forwarded request's body, `null` at its end; `failed` when the client broke it off. */
  | { type: "body-chunk"; id: number; chunk: Uint8Array | null; failed?: true }
  | {
      type: "log";
      level: "info" | "warn" | "error";
      event: string;
      fields: Record<string, unknown> | undefined;
    }
  /** Who-polls notes of a full block, sent between reports. */
  | { type: "fetches"; block: TallyBlock }
  | { type: "stats"; id: number; counters: CounterSample[]; fetches: TallyBlock }
  | RangeQuestion;

export type ToServer =
  | { type: "response"; id: number; status: number; headers: [string, string][]; body: Uint8Array | null }
  | ({ type: "open" } & ServeOpenData)
  /** The main thread made a larger validator index: read that one from now on. */
  | { type: "validator-index"; buffer: SharedArrayBuffer }
  | { type: "flush"; id: number }
  /** Start sending the forwarded request's body (its route reads it), or stop (the route stopped reading). */
  | { type: "body-read" | "body-cancel"; id: number }
  | RangeReply
  | { type: "stop" };
