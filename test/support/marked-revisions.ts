/**
 * Snapshots whose every assignment carries a marker naming its schedule and revision (`MARK-icu-7` in the note),
 * and the reading of those markers back out of a feed: how the model, race and crash tests tell which revision of
 * which schedule a feed shows, and that it never shows two of one schedule.
 */
import { makeSnapshot, type SnapshotInput } from "./server.ts";

/** The marker of a schedule's revision, as written into every one of its assignments' notes. */
export const markerOf = (schedule: string, rev: number): string => `MARK-${schedule}-${rev}`;

/** Revision `rev` of schedule `schedule` (America/New_York) listing `people`, one marked day shift each on 11-25. */
export function markedRevision(schedule: string, rev: number, people: readonly string[]): SnapshotInput {
  return makeSnapshot({
    schedule: { id: schedule, name: `Unit ${schedule}`, timezone: "America/New_York" },
    revision: rev,
    people: people.map((p) => ({ id: p, name: `Dr. ${p}` })),
    assignments: people.map((p) => ({
      id: `${schedule}-${p}`,
      personId: p,
      shiftId: "day",
      date: "2026-11-25",
      note: markerOf(schedule, rev),
    })),
  });
}

/** The revisions a feed shows, by schedule (unfolded first, so a folded marker is still seen). */
export function markersIn(ics: string): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  for (const [, schedule, rev] of ics.replace(/\r\n[ \t]/g, "").matchAll(/MARK-([a-z]+)-(\d+)/g)) {
    const revs = out.get(schedule!) ?? new Set<number>();
    revs.add(Number(rev));
    out.set(schedule!, revs);
  }
  return out;
}
