/**
 * The Node `UnitRunner`: publishing work on a pool of threads, each with its own connection to the
 * database. A publish's body is transferred to a thread, which parses, validates, renders and commits it, so
 * neither a hostile 32 MiB body nor a schedule of 500,000 assignments ever stalls the threads that serve feeds;
 * a regeneration keeps every thread busy. Every commit bumps the shared generation that serving caches read.
 */
import type { IngestTarget } from "../core/snapshot/ingest.ts";
import type { RefreshScope } from "../core/publish/refresh-scope.ts";
import type { UnitResult } from "../core/publish/schedule-unit.ts";
import type { ServiceSettings } from "../core/publish/unit-deps.ts";
import type { UnitRunner } from "../core/publish/unit-runner.ts";
import type { Logger } from "../core/logger.ts";
import { ServiceError } from "../core/errors.ts";
import { createThreadPool, transferable } from "./thread-pool.ts";
import type { ThreadBase } from "./thread-base.ts";
import { threadModule } from "./thread-module.ts";

/** What every render thread is started with. */
export interface RenderThreadData extends ThreadBase {
  /** The feed-token secret (new feeds' token hashes are derived where they are rendered). */
  feedSecret: string;
  settings: ServiceSettings;
  /** One Int32: the commit generation, bumped after every commit. */
  generation: SharedArrayBuffer;
}

/** A unit as sent to a thread; `nowMs` is the unit's time (every unit sees one instant, as in process). */
export type RenderTask = { nowMs: number } & (
  | { kind: "publish"; bytes: Uint8Array; target: IngestTarget }
  | { kind: "retire"; org: string; schedule: string }
  | { kind: "refresh"; org: string; schedule: string; scope: RefreshScope }
);

/**
 * How long the last render thread stays after its last unit: for good. One render thread starts with the service
 * and rehearses a publish (`render-rehearsal.ts`), so that a publish — the first after a restart too — finds its
 * code loaded and compiled: a thread that must start and compile first makes a 60-person schedule's publish take
 * about twice as long. Idle, it gives back its garbage (the pool's `trim`).
 */
const LAST_THREAD_IDLE_MS = Infinity;

const RENDER_THREAD = threadModule("render-thread", import.meta.url);
/**
 * V8 young-generation size of a render thread, in MiB (V8 sizes it larger by default). A unit's garbage is mostly short
 * lived; a smaller nursery is collected more often and holds less: measured on the 5,000-person bench, the process
 * peaked 150–200 MiB lower while publishing and force-regenerating, at about the same speed.
 */
const RENDER_YOUNG_GENERATION_MB = 16;

export interface RenderPoolOptions {
  data: RenderThreadData;
  /** Threads (at least 1). */
  size: number;
  clock: () => number;
  logger?: Logger;
  /** A thread idle this long ends, in ms. Default 30 s. */
  idleMs?: number;
  /** The last thread idle this long ends, in ms. Default: never. */
  lastIdleMs?: number;
}

/** Creates the pool, with one thread started at once; more start on demand. */
export function createRenderPool(options: RenderPoolOptions): UnitRunner {
  const pool = createThreadPool<RenderTask, UnitResult>({
    module: RENDER_THREAD,
    size: options.size,
    workerData: options.data,
    name: "render",
    lastIdleMs: options.lastIdleMs ?? LAST_THREAD_IDLE_MS,
    warm: true,
    resourceLimits: { maxYoungGenerationSizeMb: RENDER_YOUNG_GENERATION_MB },
    // A unit that needs more heap than V8 gives a thread fails alone, answered as a body too big to publish (not
    // an internal error); the other units and the serving threads carry on, and the next unit gets a new thread.
    outOfMemory: () =>
      new ServiceError(
        "payload_too_large",
        "Publishing this snapshot needs more memory than a render thread may use; nothing was changed.",
      ),
    ...(options.idleMs !== undefined && { idleMs: options.idleMs }),
    ...(options.logger && { logger: options.logger }),
  });
  const nowMs = () => options.clock();
  return {
    publish(bytes, target, unitOptions = {}) {
      const own = transferable(bytes);
      return pool.run(
        { kind: "publish", bytes: own, target, nowMs: nowMs() },
        { transfer: [own.buffer], ...unitOptions },
      );
    },
    retire: (org, schedule, unitOptions = {}) =>
      pool.run({ kind: "retire", org, schedule, nowMs: nowMs() }, unitOptions),
    refresh: (org, schedule, scope, unitOptions = {}) =>
      pool.run({ kind: "refresh", org, schedule, scope, nowMs: nowMs() }, unitOptions),
    parallelism: pool.size,
    close: () => pool.close(),
  };
}
