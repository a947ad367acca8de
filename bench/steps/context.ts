/**
 * What every step of a bench run shares: the options, the work dir, the data set's folder, the processes to
 * stop at the end, notes for the report, and a log line printer (stderr).
 */
import type { BenchOptions } from "../options.ts";

export interface BenchContext {
  options: BenchOptions;
  /** Data dir, logs, path lists, nginx root. */
  workDir: string;
  /** The generated snapshot files. */
  fixtureDir: string;
  /** Called in reverse order when the run ends, however it ends. */
  stops: (() => Promise<void>)[];
  /** Lines for the report's notes. */
  notes: string[];
  log(line: string): void;
}

/** The admin token and feed secret the bench starts shiftfeed with (fixed: links stay the same across restarts). */
export const BENCH_SECRETS = {
  adminToken: "bench-admin-token-0123456789abcdef",
  feedSecret: "bench-feed-secret-0123456789abcdef-0123456789abcdef",
};
