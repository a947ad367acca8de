/**
 * Writes the fetch telemetry in batches: every thread only notes who polled what in memory (the main thread's
 * `FetchLog`, fed by the serving threads' reports), and this timer writes what gathered in one transaction every
 * half minute, sooner once many feeds' notes are held, and once more at shutdown. Reads write first, so what the
 * admin API and `/metrics` show is never behind. A failed write is logged and its notes kept for the next one.
 *
 * Why half a minute: a write costs one row per feed and client family polled since the last one, so a longer
 * interval folds a feed's repeated polls (a department's link on many phones, a fetcher that polls every few
 * minutes) into one row. What it costs: a `kill -9` loses up to that much telemetry, and the notes held are bounded
 * by `maxPending` (about 200 bytes each).
 */
import { FetchLog } from "../core/fetch-log.ts";
import type { Logger } from "../core/logger.ts";
import type { SqlPort } from "../core/store/sql-port.ts";

/** How often the fetch telemetry gathered in memory is written to the database, by default. */
export const TELEMETRY_FLUSH_MS = 30_000;
/** Last-fetch notes held before they are written early, by default. */
export const TELEMETRY_MAX_PENDING = 100_000;
/** How often the notes held are counted against `maxPending`. */
const CHECK_MS = 1_000;

/** The fetch log of the main thread and the timer that writes it; `close` writes the last batch. */
export function startTelemetryWriter(options: {
  sql: SqlPort;
  clock: () => number;
  logger: Logger;
  /** Milliseconds between writes. Default {@link TELEMETRY_FLUSH_MS}. */
  intervalMs?: number;
  /** Last-fetch notes held before they are written at the next check. Default {@link TELEMETRY_MAX_PENDING}. */
  maxPending?: number;
}): { fetchLog: FetchLog; close: () => void } {
  const fetchLog = new FetchLog({ sql: options.sql, clock: options.clock });
  const intervalMs = options.intervalMs ?? TELEMETRY_FLUSH_MS;
  const maxPending = options.maxPending ?? TELEMETRY_MAX_PENDING;
  let written = performance.now();
  const write = () => {
    written = performance.now();
    try {
      fetchLog.flush();
    } catch (error) {
      options.logger.warn("telemetry_flush_failed", { error: String(error) });
    }
  };
  const timer = setInterval(
    () => {
      if (performance.now() - written >= intervalMs || fetchLog.pending >= maxPending) write();
    },
    Math.min(intervalMs, CHECK_MS),
  );
  timer.unref();
  return {
    fetchLog,
    close: () => {
      clearInterval(timer);
      write();
    },
  };
}
