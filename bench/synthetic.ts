/**
 * A deterministic synthetic hospital for benchmarks: doctors across schedules in three zones, in teams of
 * ten with their own shifts (so a shift has the two or three colleagues real rosters have), one shift a day
 * on a rotating pattern (day, night, 24-hour call, clinic, off), plus a five-day leave every 90 days.
 */
import type { Snapshot } from "../src/core/snapshot/types.ts";
import { addDays } from "../src/core/time/local-time.ts";

export interface HospitalSpec {
  org: string;
  schedules: number;
  peoplePerSchedule: number;
  days: number;
  firstDate: string;
  revision?: number;
}

const ZONES = ["America/New_York", "America/Chicago", "Europe/London"];

/** One snapshot per schedule. */
export function makeHospital(spec: HospitalSpec): Snapshot[] {
  const out: Snapshot[] = [];
  for (let s = 0; s < spec.schedules; s++) {
    const people = Array.from({ length: spec.peoplePerSchedule }, (_, i) => ({
      id: `p${s}-${i}`,
      name: `Dr. Person ${s}-${i}`,
      email: `p${s}-${i}@example.org`,
    }));
    const teams = Math.ceil(spec.peoplePerSchedule / 10);
    const timed = (id: string, name: string, start: string, end: string, location?: string) =>
      Array.from({ length: teams }, (_, t) => ({
        id: `${id}-${t}`,
        name: `${name} (team ${t})`,
        allDay: false as const,
        start,
        end,
        ...(location ? { location } : {}),
      }));
    const shifts = [
      ...timed("day", "Day", "07:00", "19:00", "Main Campus"),
      ...timed("night", "Night", "19:00", "07:00", "Main Campus"),
      ...timed("call", "24h Call", "07:00", "07:00"),
      ...timed("clinic", "Clinic", "08:00", "17:00", "Clinic B"),
      { id: "vac", name: "Vacation", allDay: true as const },
    ];
    const pattern = ["day", "day", "night", "off", "call", "off", "clinic"];
    const assignments = [];
    for (let i = 0; i < people.length; i++) {
      for (let d = 0; d < spec.days; d++) {
        const date = addDays(spec.firstDate, d);
        if ((d + i * 11) % 90 === 0) {
          assignments.push({
            id: `a${s}-${i}-${d}`,
            personId: people[i]!.id,
            shiftId: "vac",
            date,
            endDate: addDays(date, 4),
          });
          d += 4;
          continue;
        }
        const shiftId = pattern[(d + i) % pattern.length]!;
        if (shiftId === "off") continue;
        assignments.push({
          id: `a${s}-${i}-${d}`,
          personId: people[i]!.id,
          shiftId: `${shiftId}-${Math.floor(i / 10)}`,
          date,
        });
      }
    }
    out.push({
      format: "shiftfeed.snapshot/1",
      organization: { id: spec.org, name: "Synthetic General", tier: "enterprise" },
      schedule: { id: `dept${s}`, name: `Department ${s}`, timezone: ZONES[s % ZONES.length]! },
      revision: spec.revision ?? 1,
      publishedAt: "2026-11-20T12:00:00Z",
      people,
      shifts,
      assignments,
    });
  }
  return out;
}
