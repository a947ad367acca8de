/**
 * A render thread's rehearsal: right after it starts, the thread publishes a small made-up schedule twice (a
 * first revision, then one shift moved) into a database of its own in memory, and throws it away. The first real
 * publish a thread runs otherwise pays for everything V8 and SQLite do once: compiling the functions of parsing,
 * validation, expansion, rendering and compression on their first call, preparing each statement. A render thread
 * is started with the service (`render-pool.ts`), so after a restart the first publish finds all of it done. Nothing
 * of the rehearsal reaches the service's database, its generation or its logs.
 */
import type { Codec } from "../core/compress.ts";
import { createEventBlockCache } from "../core/ical/render-events.ts";
import { ingestAndPublish } from "../core/publish/unit-runner.ts";
import type { ServiceSettings } from "../core/publish/unit-deps.ts";
import { ensureSchema } from "../core/store/schema.ts";
import type { FeedTokens } from "../core/tokens.ts";
import { openNodeSqlite } from "./store/node-sqlite.ts";

/** What the rehearsal publishes: 12 people on 3 shifts every day for 8 weeks around `nowMs`, revision `revision`. */
export function rehearsalSnapshot(nowMs: number, revision: number): Uint8Array {
  const day = (offset: number) => new Date(nowMs + offset * 86_400_000).toISOString().slice(0, 10);
  const people = Array.from({ length: 12 }, (_, i) => ({ id: `p${i}`, name: `Person ${i}` }));
  const shifts = [
    { id: "early", name: "Early", start: "07:00", end: "15:00", location: "Ward 1" },
    { id: "late", name: "Late", start: "15:00", end: "23:00" },
    { id: "night", name: "Night", start: "22:00", end: "08:00" },
  ];
  const assignments = [];
  for (let d = -14; d < 42; d++) {
    for (const [k, shift] of shifts.entries()) {
      const id = `a${d + 14}-${k}`;
      const moved = revision > 1 && d === 1 && k === 0;
      assignments.push({
        id,
        personId: `p${(d + 14 + k * 4) % 12}`,
        shiftId: shift.id,
        date: day(d),
        ...(moved && { start: "08:00" }),
      });
    }
  }
  const snapshot = {
    format: "shiftfeed.snapshot/1",
    organization: { id: "rehearsal", name: "Rehearsal", tier: "standard" },
    schedule: { id: "rehearsal", name: "Rehearsal", timezone: "Europe/London" },
    revision,
    publishedAt: new Date(nowMs).toISOString(),
    people,
    shifts,
    assignments,
  };
  return new TextEncoder().encode(JSON.stringify(snapshot));
}

export interface RehearsalDeps {
  tokens: FeedTokens;
  settings: ServiceSettings;
  codec: Codec;
  nowMs: number;
}

/** Publishes the rehearsal schedule twice into a throwaway in-memory database; never throws. */
export async function rehearse(deps: RehearsalDeps): Promise<boolean> {
  const sql = openNodeSqlite({ path: ":memory:" });
  try {
    ensureSchema(sql);
    // A block cache of its own, so the thread's real one holds no made-up events.
    const blocks = deps.settings.eventCacheChars > 0 ? createEventBlockCache(1 << 20) : null;
    const unit = { ...deps, sql, blocks, clock: () => deps.nowMs, onCommit: () => {} };
    const target = { org: "rehearsal", schedule: "rehearsal" };
    for (const revision of [1, 2])
      await ingestAndPublish(unit, rehearsalSnapshot(deps.nowMs, revision), target, {});
    return true;
  } catch {
    return false;
  } finally {
    sql.close();
  }
}
