/**
 * The load test's data: an enterprise and a standard hospital whose people are the clients' feeds, and a large
 * schedule of a third hospital published in the middle of the storm. Dates follow today, so every feed is full.
 */
import { addDays } from "../../src/core/time/local-time.ts";

/** People in each of the two served hospitals (subscribers, partner tokens, retry clients, the hammered feed). */
export const PEOPLE_PER_ORG = 820;
/** The large publish: people, and assignments each. */
export const LARGE = { people: 3000, assignmentsEach: 40 } as const;

interface Options {
  org: string;
  tier: "enterprise" | "standard";
  schedule: string;
  people: number;
  assignmentsEach: number;
  revision: number;
  today: string;
}

/** A snapshot (docs/snapshot-format.md) of `people` people with `assignmentsEach` shifts each around today. */
export function snapshotOf(o: Options): string {
  const people = Array.from({ length: o.people }, (_, i) => ({
    id: `p${i}`,
    name: `Person ${i} of ${o.org}`,
  }));
  const assignments = people.flatMap((p, i) =>
    Array.from({ length: o.assignmentsEach }, (_, k) => ({
      id: `a${i}-${k}`,
      personId: p.id,
      shiftId: ["day", "night", "long"][(i + k) % 3]!,
      date: addDays(o.today, -10 + ((i * 7 + k * 3) % 120)),
      ...(o.revision > 1 && k === 0 && { note: `revision ${o.revision}` }),
    })),
  );
  return JSON.stringify({
    format: "shiftfeed.snapshot/1",
    organization: { id: o.org, name: `${o.org} Health`, tier: o.tier },
    schedule: { id: o.schedule, name: `Wards of ${o.org}`, timezone: "America/Chicago" },
    revision: o.revision,
    publishedAt: new Date().toISOString(),
    people,
    shifts: [
      { id: "day", name: "Day", start: "07:00", end: "19:00", location: "Main building" },
      { id: "night", name: "Night", start: "19:00", end: "07:00" },
      { id: "long", name: "Long day", start: "08:00", end: "20:30" },
    ],
    assignments,
  });
}
