/**
 * A render thread (`render-pool.ts`): opens its own connection to the database and runs the core's units on it —
 * ingest and publish, retire, refresh — committing each in one transaction and bumping the shared generation.
 */
import { workerData } from "node:worker_threads";
import { createEventBlockCache } from "../core/ical/render-events.ts";
import { refreshUnit, retireUnit } from "../core/publish/schedule-unit.ts";
import type { UnitDeps } from "../core/publish/unit-deps.ts";
import { ingestAndPublish } from "../core/publish/unit-runner.ts";
import { createFeedTokens } from "../core/tokens.ts";
import { openNodeSqlite } from "../store/node-sqlite.ts";
import type { RenderTask, RenderWorkerData } from "./render-pool.ts";
import { nodeCodec, nodeTokenCrypto } from "./node-codec.ts";
import { serveTasks } from "./worker-tasks.ts";

const data = workerData as RenderWorkerData;
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

serveTasks(async (task: RenderTask, { onProgress, signal }) => {
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
});
