/**
 * When an event happens: an assignment's dates and times resolved per the time rules of docs/api.md › Feeds (overrides,
 * overnight ends, DST gaps and overlaps), and whether the renderer writes them in UTC.
 */
import type { Assignment, Shift } from "../snapshot/types.ts";
import { addDays, resolveLocalTime, type ResolvedTime } from "../time/local-time.ts";

/** When an event happens: local dates for all-day events, resolved instants for timed ones. */
export type EventTiming =
  | { allDay: true; startDate: string; endDateExclusive: string }
  | { allDay: false; start: ResolvedTime; end: ResolvedTime };

/** Resolves a local date and wall time to an instant (see `resolveLocalTime`). */
export type TimeResolver = (date: string, time: string) => ResolvedTime;

/**
 * `resolveLocalTime` in one zone, remembered per date and time: a roster has few distinct shift times, so one
 * expansion resolves each only once. The results are shared between events and never changed.
 */
export function createTimeResolver(zone: string): TimeResolver {
  // By date, then by time: no key string is made per lookup (one per event's start and end).
  const seen = new Map<string, Map<string, ResolvedTime>>();
  return (date, time) => {
    let times = seen.get(date);
    if (!times) seen.set(date, (times = new Map()));
    let resolved = times.get(time);
    if (!resolved) times.set(time, (resolved = resolveLocalTime(date, time, zone)));
    return resolved;
  };
}

/** The timing of an assignment of `shift`, its wall times resolved by `resolve`. */
export function timingOf(assignment: Assignment, shift: Shift, resolve: TimeResolver): EventTiming {
  if (shift.allDay) {
    return {
      allDay: true,
      startDate: assignment.date,
      endDateExclusive: addDays(assignment.endDate ?? assignment.date, 1),
    };
  }
  const startTime = assignment.start ?? shift.start;
  const endTime = assignment.end ?? shift.end;
  const endDate = assignment.endDate ?? (endTime > startTime ? assignment.date : addDays(assignment.date, 1));
  return {
    allDay: false,
    start: resolve(assignment.date, startTime),
    end: resolve(endDate, endTime),
  };
}

/** The last local date an event touches (for the feed window). */
export function lastDateOf(timing: EventTiming, firstDate: string): string {
  if (timing.allDay) return addDays(timing.endDateExclusive, -1);
  const endLocalDate = timing.end.local.slice(0, 10);
  // A shift ending exactly at midnight does not touch the next day.
  return timing.end.local.slice(11) === "00:00:00" && endLocalDate > firstDate
    ? addDays(endLocalDate, -1)
    : endLocalDate;
}

/** Whether an event is written in UTC: its start or end is a local time that occurs twice. */
export function writtenInUtc(timing: EventTiming): boolean {
  return !timing.allDay && (timing.start.kind === "ambiguous" || timing.end.kind === "ambiguous");
}
