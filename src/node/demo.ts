/**
 * Demo data for a first start: the fixtures in `fixtures/demo/`, published on an empty data dir.
 * Their dates are fixed; when today has moved past them, every date moves by whole weeks (weekdays and
 * the shape of the roster stay) so the demo always shows upcoming shifts.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { FeedService } from "../core/publish/feed-service.ts";
import type { Snapshot } from "../core/snapshot/types.ts";
import { validateSnapshot } from "../core/snapshot/validate.ts";
import { addDays, daysBetween, localDateOf } from "../core/time/local-time.ts";

/** Where the demo snapshots live, relative to the repository root. */
export const DEMO_DIR = new URL("../../fixtures/demo/", import.meta.url).pathname;

/** Moves every date of a snapshot by `days`. */
function shiftDates(snapshot: Snapshot, days: number): Snapshot {
  if (days === 0) return snapshot;
  return {
    ...snapshot,
    assignments: snapshot.assignments.map((a) => ({
      ...a,
      date: addDays(a.date, days),
      ...(a.endDate === undefined ? {} : { endDate: addDays(a.endDate, days) }),
    })),
  };
}

/** Reads, validates and (when stale) re-dates the demo snapshots. */
export async function readDemoSnapshots(nowMs: number, dir = DEMO_DIR): Promise<Snapshot[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".json")).sort();
  const snapshots: Snapshot[] = [];
  for (const file of files) {
    const result = validateSnapshot(JSON.parse(await readFile(join(dir, file), "utf8")));
    if (!result.ok) throw new Error(`demo fixture ${file} is invalid: ${JSON.stringify(result.details)}`);
    snapshots.push(result.snapshot);
  }
  const first = snapshots.flatMap((s) => s.assignments.map((a) => a.date)).sort()[0];
  const today = localDateOf(nowMs, "UTC");
  const lag = first === undefined ? 0 : daysBetween(first, addDays(today, -14));
  const shift = lag > 60 ? Math.floor(lag / 7) * 7 : 0;
  return snapshots.map((s) => shiftDates(s, shift));
}

/** Publishes the demo snapshots; returns how many. */
export async function loadDemo(service: FeedService, nowMs: number): Promise<number> {
  const snapshots = await readDemoSnapshots(nowMs);
  const encoder = new TextEncoder();
  for (const snapshot of snapshots) {
    const target = { org: snapshot.organization.id, schedule: snapshot.schedule.id };
    await service.publish(encoder.encode(JSON.stringify(snapshot)), target);
  }
  return snapshots.length;
}
