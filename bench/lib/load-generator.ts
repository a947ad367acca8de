/**
 * What a load generator is given and what it reports, apart from the generators (`wrk.ts`, `autocannon.ts`) and
 * from the code that chooses one (`load.ts`), so each depends on this shape and none on another.
 */
import type { FeedTarget, RequestKind } from "./request-kinds.ts";

/** One measurement: a fixed duration of closed-loop load with fixed connections. */
export interface LoadRun {
  /** Base URL, `http://127.0.0.1:<port>`. */
  url: string;
  /** The targets as a path list file (see `writePathList`), for wrk. */
  pathFile: string;
  /** The same targets in memory, for autocannon. */
  targets: readonly FeedTarget[];
  kind: RequestKind;
  seconds: number;
  connections: number;
  threads: number;
}

/** What one measurement saw. */
export interface LoadResult {
  requests: number;
  seconds: number;
  perSecond: number;
  p50ms: number;
  p99ms: number;
  /** Answers that were neither 2xx nor 3xx (wrk's "Non-2xx or 3xx responses"). */
  badStatus: number;
  /** Connect, read, write errors and timeouts. */
  errors: number;
  /** Average bytes received per answer, headers included (a `304` is a few hundred). */
  bytesPerResponse: number;
}

/** A load generator. */
export interface LoadGenerator {
  name: "wrk" | "autocannon";
  version: string;
  /** Why this one was chosen, when it was not the first choice. */
  note?: string;
  run(load: LoadRun): Promise<LoadResult>;
}
