/**
 * Expands a validated snapshot into event facts: one per assignment, with real instants resolved per the
 * contract's time rules and the colleagues on the same shift that day.
 */
import { displayText } from "../ical/text.ts";
import type { Snapshot } from "../snapshot/types.ts";
import { eventFingerprint } from "./event-fingerprint.ts";
import { lastDateOf, timingOf, type EventTiming } from "./timing.ts";

/**
 * Everything a rendered event says, in either a person's or a schedule's feed. Names, location and note are
 * display text (see `displayText`): exactly what the feed shows, so the fingerprint can cover exactly that.
 */
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

/** An event's facts and their fingerprint (`eventFingerprint`), which moves whenever anything rendered moves. */
export interface ExpandedEvent {
  facts: EventFacts;
  fp: string;
}

/** The stable UID of an assignment: it survives edits and reassignment to another person. */
export function eventUid(org: string, schedule: string, assignmentId: string): string {
  return `${assignmentId}@${schedule}.${org}.shiftfeed`;
}

/**
 * Every assignment of a snapshot as an expanded event, in snapshot order.
 * @example expandSnapshot(snapshot).filter((e) => e.facts.personId === "p1001")
 */
export function expandSnapshot(snapshot: Snapshot): ExpandedEvent[] {
  const zone = snapshot.schedule.timezone;
  const scheduleName = displayText(snapshot.schedule.name);
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
          .map((m) => displayText(m.name));
    const facts: EventFacts = {
      uid: eventUid(snapshot.organization.id, snapshot.schedule.id, a.id),
      assignmentId: a.id,
      scheduleId: snapshot.schedule.id,
      scheduleName,
      zone,
      personId: a.personId,
      personName: displayText(person.name),
      shiftName: displayText(shift.name),
      firstDate: a.date,
      lastDate: lastDateOf(timing, a.date),
      timing,
      location: shift.location === undefined ? undefined : displayText(shift.location),
      note: a.note === undefined ? undefined : displayText(a.note),
      colleagues,
    };
    out.push({ facts, fp: eventFingerprint(facts) });
  }
  return out;
}
