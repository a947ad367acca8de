/**
 * Expands a validated snapshot into event facts: one per assignment, with real instants resolved per the
 * contract's time rules and the colleagues on the same shift that day.
 */
import type { Assignment, Shift, Snapshot } from "../snapshot/types.ts";
import { addDays, resolveLocalTime, type ResolvedTime } from "../time/local-time.ts";
import { fingerprint } from "./fingerprint.ts";

/** When an event happens: local dates for all-day events, resolved instants for timed ones. */
export type EventTiming =
  | { allDay: true; startDate: string; endDateExclusive: string }
  | { allDay: false; start: ResolvedTime; end: ResolvedTime };

/** Everything a rendered event says, in either a person's or a schedule's feed. */
export interface EventFacts {
  uid: string;
  assignmentId: string;
  scheduleId: string;
  scheduleName: string;
  zone: string;
  personId: string;
  personName: string;
  shiftName: string;
  /** First and last local date the event touches (for the feed window). */
  firstDate: string;
  lastDate: string;
  timing: EventTiming;
  location?: string;
  note?: string;
  /** Names of the other people on the same shift on the same date, sorted. Empty for all-day shifts. */
  colleagues: string[];
}

/** An event's facts and their fingerprint, which moves whenever anything rendered about it moves. */
export interface ExpandedEvent {
  facts: EventFacts;
  fp: string;
}

/** The stable UID of an assignment: it survives edits and reassignment to another person. */
export function eventUid(org: string, schedule: string, assignmentId: string): string {
  return `${assignmentId}@${schedule}.${org}.shiftfeed`;
}

function timingOf(assignment: Assignment, shift: Shift, zone: string): EventTiming {
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
    start: resolveLocalTime(assignment.date, startTime, zone),
    end: resolveLocalTime(endDate, endTime, zone),
  };
}

function lastDateOf(timing: EventTiming, firstDate: string): string {
  if (timing.allDay) return addDays(timing.endDateExclusive, -1);
  const endLocalDate = timing.end.local.slice(0, 10);
  // A shift ending exactly at midnight does not touch the next day.
  return timing.end.local.slice(11) === "00:00:00" && endLocalDate > firstDate
    ? addDays(endLocalDate, -1)
    : endLocalDate;
}

/** Everything rendered about an event, as one string (cheaper to build than JSON for large snapshots). */
function factsText(f: EventFacts): string {
  const t = f.timing;
  const when = t.allDay
    ? `D${t.startDate}/${t.endDateExclusive}`
    : `T${t.start.epochMs}/${t.start.kind}/${t.end.epochMs}/${t.end.kind}`;
  return [
    f.uid,
    f.scheduleName,
    f.zone,
    f.personId,
    f.personName,
    f.shiftName,
    when,
    f.location ?? "\u0001",
    f.note ?? "\u0001",
    f.colleagues.join("\u0002"),
  ].join("\u0000");
}

/**
 * Every assignment of a snapshot as an expanded event, in snapshot order.
 * @example expandSnapshot(snapshot).filter((e) => e.facts.personId === "p1001")
 */
export function expandSnapshot(snapshot: Snapshot): ExpandedEvent[] {
  const zone = snapshot.schedule.timezone;
  const people = new Map(snapshot.people.map((p) => [p.id, p]));
  const shifts = new Map(snapshot.shifts.map((s) => [s.id, s]));

  // Who works which shift on which date (shift → date → ids), for the colleagues line.
  const crews = new Map<string, Map<string, string[]>>();
  for (const a of snapshot.assignments) {
    let byDate = crews.get(a.shiftId);
    if (!byDate) crews.set(a.shiftId, (byDate = new Map()));
    const crew = byDate.get(a.date);
    if (crew) crew.push(a.personId);
    else byDate.set(a.date, [a.personId]);
  }
  const byName = (x: { name: string }, y: { name: string }) =>
    x.name < y.name ? -1 : x.name > y.name ? 1 : 0;
  const crewOf = (shiftId: string, date: string) =>
    [...new Set(crews.get(shiftId)?.get(date) ?? [])]
      .map((id) => ({ id, name: people.get(id)?.name ?? id }))
      .sort(byName);

  const out: ExpandedEvent[] = [];
  for (const a of snapshot.assignments) {
    const person = people.get(a.personId);
    const shift = shifts.get(a.shiftId);
    if (!person || !shift) throw new Error(`assignment \`${a.id}\` references an unknown person or shift`);
    const timing = timingOf(a, shift, zone);
    const colleagues = shift.allDay
      ? []
      : crewOf(a.shiftId, a.date)
          .filter((m) => m.id !== a.personId)
          .map((m) => m.name);
    const facts: EventFacts = {
      uid: eventUid(snapshot.organization.id, snapshot.schedule.id, a.id),
      assignmentId: a.id,
      scheduleId: snapshot.schedule.id,
      scheduleName: snapshot.schedule.name,
      zone,
      personId: a.personId,
      personName: person.name,
      shiftName: shift.name,
      firstDate: a.date,
      lastDate: lastDateOf(timing, a.date),
      timing,
      location: shift.location,
      note: a.note,
      colleagues,
    };
    out.push({ facts, fp: fingerprint(factsText(facts)) });
  }
  return out;
}
