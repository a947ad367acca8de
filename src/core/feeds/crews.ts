/**
 * The colleagues line of each event: who else works the same timed shift on the same date. A crew can be
 * thousands strong (a mandatory training), so an event names at most {@link MAX_LISTED_COLLEAGUES} of them and
 * counts the rest, and each crew is sorted once: a member's list comes from the crew's first names, never from
 * the whole crew, so expansion stays linear in time and memory in the size of a shift.
 */
import { displayText } from "../ical/text.ts";
import type { Person, Snapshot } from "../snapshot/types.ts";

/** Most colleagues an event names; the rest are counted ("and 1,989 others"). */
export const MAX_LISTED_COLLEAGUES = 10;

/** The colleagues an event shows. */
export interface Colleagues {
  /** Display names of the first colleagues by name (at most {@link MAX_LISTED_COLLEAGUES}). */
  names: readonly string[];
  /** How many other colleagues there are beyond `names`. */
  others: number;
}

/** Everyone on one shift on one date. */
interface Crew {
  /** Distinct people, in first-appearance order. */
  members: Set<string>;
  /** Once sorted: the first `MAX_LISTED_COLLEAGUES + 1` members by name, ties in first-appearance order. */
  head?: { id: string; name: string }[];
  /** Once sorted: the display names of `head`, in its order. */
  headNames?: readonly string[];
  /** Once sorted: the first `MAX_LISTED_COLLEAGUES` display names, the list of everyone not among them. */
  shared?: readonly string[];
}

const NOBODY: Colleagues = { names: [], others: 0 };
const byName = (x: { name: string }, y: { name: string }) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0);

/**
 * Indexes a snapshot's crews; the returned function answers the colleagues of one person on one shift and date.
 * @example createCrews(snapshot, people)("call", "2026-11-27", "p1001") // { names: ["Bo Baker"], others: 0 }
 */
export function createCrews(
  snapshot: Snapshot,
  people: ReadonlyMap<string, Person>,
): (shiftId: string, date: string, personId: string) => Colleagues {
  const crews = new Map<string, Map<string, Crew>>();
  for (const a of snapshot.assignments) {
    let byDate = crews.get(a.shiftId);
    if (!byDate) crews.set(a.shiftId, (byDate = new Map()));
    const crew = byDate.get(a.date);
    if (crew) crew.members.add(a.personId);
    else byDate.set(a.date, { members: new Set([a.personId]) });
  }

  // Display text once per person, however many crews list them.
  const shown = new Map<string, string>();
  const displayName = (raw: string, id: string) => {
    let name = shown.get(id);
    if (name === undefined) shown.set(id, (name = displayText(raw)));
    return name;
  };
  const sort = (crew: Crew): Required<Crew> => {
    if (!crew.head) {
      // Sorted by the names as sent (a stable sort); only the first ones are kept, as display text.
      const all = [...crew.members].map((id) => ({ id, name: people.get(id)?.name ?? id })).sort(byName);
      crew.head = all
        .slice(0, MAX_LISTED_COLLEAGUES + 1)
        .map((m) => ({ id: m.id, name: displayName(m.name, m.id) }));
      crew.headNames = crew.head.map((m) => m.name);
      crew.shared = crew.headNames.slice(0, MAX_LISTED_COLLEAGUES);
    }
    return crew as Required<Crew>;
  };

  return (shiftId, date, personId) => {
    const crew = crews.get(shiftId)?.get(date);
    if (!crew) return NOBODY;
    const { members, head, headNames, shared } = sort(crew);
    // Among the first names, the list is the others of them (the last of them is left out of `shared` already).
    const at = head.findIndex((m) => m.id === personId);
    const names =
      at >= 0 && at < MAX_LISTED_COLLEAGUES
        ? [...headNames.slice(0, at), ...headNames.slice(at + 1, MAX_LISTED_COLLEAGUES + 1)]
        : shared;
    const others = members.size - (members.has(personId) ? 1 : 0) - names.length;
    return others === 0 && names.length === 0 ? NOBODY : { names, others };
  };
}
