/**
 * A render thread (`render-pool.ts`): opens its own connection to the database and runs the core's units on it —
 * ingest and publish, retire, refresh — committing each in one transaction and bumping the shared generation.
 * It first rehearses a publish on a throwaway database (`render-rehearsal.ts`), so that its first real one runs
 * compiled code.
 */
import { setPriority } from "node:os";
import { workerData } from "node:worker_threads";
import { createEventBlockCache } from "../core/ical/render-events.ts";
import { refreshUnit, retireUnit } from "../core/publish/schedule-unit.ts";
import type { UnitDeps } from "../core/publish/unit-deps.ts";
import { ingestAndPublish } from "../core/publish/unit-runner.ts";
import { createFeedTokens } from "../core/tokens.ts";
import { openNodeSqlite } from "./store/node-sqlite.ts";
import type { RenderTask, RenderThreadData } from "./render-pool.ts";
import { installZoneRules } from "./host-zone-rules.ts";
import { nodeCodec, nodeTokenCrypto } from "./node-codec.ts";
import { rehearse } from "./render-rehearsal.ts";
import { serveTasks } from "./thread-tasks.ts";

/** The nice value of render threads (0 normal, 19 lowest). */
const RENDER_NICE = 10;
/**
 * A unit that left this much garbage is followed by a collection (`serveTasks`): a unit of a ward's schedule
 * makes tens of MiB, and without it each render thread of a publish burst or a regeneration held 300 MiB of heap,
 * most of it garbage of units already committed.
 */
const COLLECT_AFTER_BYTES = 48 << 20;

const data = workerData as RenderThreadData;
installZoneRules(data.zoneRules);
// Rendering yields the CPU to serving: on Linux a thread's nice value is its own (setpriority(2), "BUGS"), so this
// lowers only this render thread, and a publish or regeneration cannot slow the polls that serving threads answer.
try {
  setPriority(0, RENDER_NICE);
} catch {
  // Not permitted on this platform: rendering keeps the normal priority.
}
const sql = openNodeSqlite({ path: data.databasePath, cacheKiB: 16 * 1024 });
const tokens = await createFeedTokens(new TextEncoder().encode(data.feedSecret), nodeTokenCrypto);
const generation = new Int32Array(data.generation);
const blocks =
  data.settings.eventCacheChars > 0 ? createEventBlockCache(data.settings.eventCacheChars) : null;
let now = 0;
const deps: UnitDeps = {
  sql,
  tokens,
  settings: data.settings,
  blocks,
  codec: nodeCodec,
  clock: () => now,
  onCommit: () => void Atomics.add(generation, 0, 1),
};

// Tasks sent meanwhile wait in the thread's message queue: the rehearsal takes a fraction of a second.
await rehearse({ tokens, settings: data.settings, codec: nodeCodec, nowMs: Date.now() });

serveTasks(
  async (task: RenderTask, { onProgress, signal }) => {
    now = task.nowMs;
    const options = { onProgress, signal };
    switch (task.kind) {
      case "publish":
        return ingestAndPublish(deps, task.bytes, task.target, options);
      case "retire":
        return retireUnit(deps, task.org, task.schedule, options);
      case "refresh":
        return refreshUnit(deps, task.org, task.schedule, task.scope, options);
    }
  },
  { collectAfterBytes: COLLECT_AFTER_BYTES },
);
