/**
 * An organization in memory: its manifest and the expanded events of each live schedule, indexed by person.
 */
import { expandSnapshot, type ExpandedEvent } from "../feeds/events.ts";
import type { History } from "../feeds/history.ts";
import type { Snapshot } from "../snapshot/types.ts";
import type { OrgManifest, ScheduleState } from "./manifest.ts";

/** A live schedule revision, ready to build feeds from. */
export interface LoadedSchedule {
  snapshot: Snapshot;
  history: History;
  receivedAt: number;
  events: ExpandedEvent[];
  byPerson: Map<string, ExpandedEvent[]>;
  names: Map<string, string>;
}

export interface OrgState {
  manifest: OrgManifest;
  /** Live (not retired) schedules by id. */
  schedules: Map<string, LoadedSchedule>;
}

/** Expands and indexes a stored schedule state. */
export function loadSchedule(
  state: ScheduleState,
  events: ExpandedEvent[] = expandSnapshot(state.snapshot),
): LoadedSchedule {
  const byPerson = new Map<string, ExpandedEvent[]>();
  for (const person of state.snapshot.people) byPerson.set(person.id, []);
  for (const event of events) byPerson.get(event.facts.personId)?.push(event);
  return {
    snapshot: state.snapshot,
    history: state.history,
    receivedAt: state.receivedAt,
    events,
    byPerson,
    names: new Map(state.snapshot.people.map((p) => [p.id, p.name])),
  };
}

/** Ids of the schedules (sorted) that list a person. */
export function schedulesOf(org: OrgState, person: string): string[] {
  return [...org.schedules.entries()]
    .filter(([, s]) => s.byPerson.has(person))
    .map(([id]) => id)
    .sort();
}
