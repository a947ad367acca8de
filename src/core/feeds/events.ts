/**
 * Expands a validated snapshot into event facts: one per assignment, with real instants resolved per the
 * time rules of docs/api.md › Feeds and the colleagues on the same shift that day.
 */
import { displayText } from "../ical/text.ts";
import type { Assignment, Snapshot } from "../snapshot/types.ts";
import { createCrews, type Colleagues } from "./crews.ts";
import type { EventFacts, ExpandedEvent } from "./event-facts.ts";
import { eventFingerprint } from "./event-fingerprint.ts";
import { createTimeResolver, lastDateOf, timingOf } from "./timing.ts";

const NO_COLLEAGUES: Colleagues = { names: [], others: 0 };

/** The stable UID of an assignment: it survives edits and reassignment to another person. */
export function eventUid(org: string, schedule: string, assignmentId: string): string {
  return `${assignmentId}@${schedule}.${org}.shiftfeed`;
}

/**
 * Every assignment of a snapshot as an expanded event, in snapshot order; with `people`, only the assignments of
 * those people (their colleagues still come from the whole snapshot).
 * @example expandSnapshot(snapshot).filter((e) => e.facts.personId === "p1001")
 */
export function expandSnapshot(snapshot: Snapshot, people?: ReadonlySet<string>): ExpandedEvent[] {
  return [...eachEvent(snapshot, people)];
}

/**
 * {@link expandSnapshot} one event at a time, for a caller that keeps only part of each (the history keeps the
 * fingerprint): a big snapshot's events are never all held at once.
 */
export function* eachEvent(snapshot: Snapshot, only?: ReadonlySet<string>): Generator<ExpandedEvent> {
  const factsOf = eventFactsOf(snapshot);
  for (const a of snapshot.assignments) {
    if (only !== undefined && !only.has(a.personId)) continue;
    const facts = factsOf(a);
    yield { facts, fp: eventFingerprint(facts) };
  }
}

/** A snapshot's events expanded a few people at a time, and one at a time (see {@link createExpander}). */
export interface Expander {
  /** The facts of one assignment (see {@link eventFactsOf}). */
  factsOf: (a: Assignment) => EventFacts;
  /**
   * The events of these people, each person's in snapshot order; each also handed to `each` with its
   * assignment's index in the snapshot.
   */
  eventsOf(
    people: Iterable<string>,
    each?: (index: number, facts: EventFacts, fp: string) => void,
  ): ExpandedEvent[];
}

/**
 * An {@link Expander} of `snapshot`: what is built once per snapshot (crews, display texts, each person's
 * assignments) is built once, however many slices of people are expanded.
 */
export function createExpander(snapshot: Snapshot): Expander {
  const factsOf = eventFactsOf(snapshot);
  let indices: Map<string, number[]> | null = null;
  return {
    factsOf,
    eventsOf(people, each) {
      if (indices === null) {
        indices = new Map();
        snapshot.assignments.forEach((a, i) => {
          const list = indices!.get(a.personId);
          if (list) list.push(i);
          else indices!.set(a.personId, [i]);
        });
      }
      const events: ExpandedEvent[] = [];
      for (const person of people) {
        for (const i of indices.get(person) ?? []) {
          const facts = factsOf(snapshot.assignments[i]!);
          const fp = eventFingerprint(facts);
          events.push({ facts, fp });
          each?.(i, facts, fp);
        }
      }
      return events;
    },
  };
}

/**
 * The facts of one assignment of `snapshot` at a time, in any order: what {@link eachEvent} expands, for a caller
 * that holds only assignment indices and expands each event again when its turn comes (a big schedule's feed).
 * @throws Error when the assignment names an unknown person or shift.
 */
export function eventFactsOf(snapshot: Snapshot): (a: Assignment) => EventFacts {
  const zone = snapshot.schedule.timezone;
  const scheduleName = displayText(snapshot.schedule.name);
  const people = new Map(snapshot.people.map((p) => [p.id, p]));
  const shifts = new Map(snapshot.shifts.map((s) => [s.id, s]));
  // Display text once per person and shift, not once per assignment.
  const personNames = new Map(snapshot.people.map((p) => [p.id, displayText(p.name)]));
  const shiftTexts = new Map(
    snapshot.shifts.map((s) => [
      s.id,
      { name: displayText(s.name), location: s.location === undefined ? undefined : displayText(s.location) },
    ]),
  );

  const colleaguesOf = createCrews(snapshot, people);
  const resolve = createTimeResolver(zone);

  return (a) => {
    const person = people.get(a.personId);
    const shift = shifts.get(a.shiftId);
    if (!person || !shift) throw new Error(`assignment \`${a.id}\` references an unknown person or shift`);
    const timing = timingOf(a, shift, resolve);
    const colleagues = shift.allDay ? NO_COLLEAGUES : colleaguesOf(a.shiftId, a.date, a.personId);
    return {
      uid: eventUid(snapshot.organization.id, snapshot.schedule.id, a.id),
      assignmentId: a.id,
      scheduleId: snapshot.schedule.id,
      scheduleName,
      zone,
      personId: a.personId,
      personName: personNames.get(a.personId)!,
      shiftName: shiftTexts.get(a.shiftId)!.name,
      firstDate: a.date,
      lastDate: lastDateOf(timing, a.date),
      timing,
      location: shiftTexts.get(a.shiftId)!.location,
      note: a.note === undefined ? undefined : displayText(a.note),
      colleagues: colleagues.names,
      otherColleagues: colleagues.others,
    };
  };
}
