/**
 * A big snapshot's repeated strings held once. `JSON.parse` makes a string for every occurrence, and each of a
 * hospital's 186,000 assignments repeats its person's and shift's ids and its dates and times: about 15 MiB of
 * copies of a few thousand distinct strings, for as long as a publish or a unit holds the snapshot (a Worker's
 * isolate has 128 MB). The values do not change, only how many copies of them there are.
 */
import type { Snapshot } from "./types.ts";

/** Replaces, in place, every assignment's repeated strings by one shared copy of each value. */
export function shareStrings(snapshot: Snapshot): void {
  const seen = new Map<string, string>();
  const once = (text: string): string => {
    const first = seen.get(text);
    if (first !== undefined) return first;
    seen.set(text, text);
    return text;
  };
  for (const person of snapshot.people) once(person.id);
  for (const shift of snapshot.shifts) once(shift.id);
  for (const a of snapshot.assignments) {
    a.personId = once(a.personId);
    a.shiftId = once(a.shiftId);
    a.date = once(a.date);
    if (a.endDate !== undefined) a.endDate = once(a.endDate);
    if (a.start !== undefined) a.start = once(a.start);
    if (a.end !== undefined) a.end = once(a.end);
  }
}
