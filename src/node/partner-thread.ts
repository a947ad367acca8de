/**
 * A partner render thread (`partner-ranges.ts`): renders range pieces from a schedule's stored state on its own
 * database connection, into shared memory, so the bytes reach the cache and the serving threads that write them
 * out without a copy. Niced like the render threads: serving goes first. It keeps the last state it read, since
 * a partner's sync asks for the months of one schedule in a burst.
 */
import { setPriority } from "node:os";
import { workerData } from "node:worker_threads";
import type { RangeRequest } from "../core/partners/range-cache.ts";
import { renderPieces } from "../core/partners/render-range.ts";
import { readState, type ScheduleState } from "../core/publish/schedule-state.ts";
import { openNodeSqlite } from "./store/node-sqlite.ts";
import { installZoneRules } from "./host-zone-rules.ts";
import { nodeCodec } from "./node-codec.ts";
import type { PartnerThreadData } from "./partner-ranges.ts";
import { serveTasks } from "./thread-tasks.ts";

/** The nice value of partner render threads: that of the render threads (0 normal, 19 lowest). */
const PARTNER_NICE = 10;

const data = workerData as PartnerThreadData;
installZoneRules(data.zoneRules); // wall times as the feeds have them
try {
  setPriority(0, PARTNER_NICE); // this thread only (see render-thread.ts)
} catch {
  // Not permitted on this platform: rendering keeps the normal priority.
}
const sql = openNodeSqlite({ path: data.databasePath, cacheKiB: 4096 });
const encoder = new TextEncoder();
let last: { key: string; state: ScheduleState } | null = null;

/** A piece's bytes in shared memory: posted to other threads, they are shared, not copied. */
function shared(text: string): Uint8Array {
  const bytes = encoder.encode(text);
  const out = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
  out.set(bytes);
  return out;
}

serveTasks(async (task: RangeRequest) => {
  if (last?.key !== task.stateKey) {
    last = null; // the previous state is garbage before the next is read
    last = { key: task.stateKey, state: await readState(sql, task.stateKey, nodeCodec) };
  }
  return renderPieces(last.state, task.format, task.pieces, shared);
});
