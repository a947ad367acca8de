/**
 * Writes the fetch telemetry in batches: every thread only notes who polled what in memory (the main thread's
 * `FetchLog`, fed by the serving threads' reports), and this timer writes what gathered in one transaction every
 * few seconds, and once more at shutdown. A failed write is logged and its notes kept for the next one.
 */
import { FetchLog } from "../core/fetch-log.ts";
import type { Logger } from "../core/logger.ts";
import type { SqlPort } from "../core/store/sql-port.ts";

/** How often the fetch telemetry gathered in memory is written to the database, by default. */
export const TELEMETRY_FLUSH_MS = 5_000;

/** The fetch log of the main thread and the timer that writes it; `close` writes the last batch. */
export function startTelemetryWriter(options: {
  sql: SqlPort;
  clock: () => number;
  logger: Logger;
  /** Milliseconds between writes. Default {@link TELEMETRY_FLUSH_MS}. */
  intervalMs?: number;
}): { fetchLog: FetchLog; close: () => void } {
  const fetchLog = new FetchLog({ sql: options.sql, clock: options.clock });
  const write = () => {
    try {
      fetchLog.flush();
    } catch (error) {
      options.logger.warn("telemetry_flush_failed", { error: String(error) });
    }
  };
  const timer = setInterval(write, options.intervalMs ?? TELEMETRY_FLUSH_MS);
  timer.unref();
  return {
    fetchLog,
    close: () => {
      clearInterval(timer);
      write();
    },
  };
}
