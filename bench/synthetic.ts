/**
 * A deterministic synthetic hospital for benchmarks: `people` doctors across schedules in two zones, one
 * shift a day each on a rotating pattern (day, night, 24-hour call, clinic, off), plus some leave.
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
    const shifts = [
      {
        id: "day",
        name: "Day",
        allDay: false as const,
        start: "07:00",
        end: "19:00",
        location: "Main Campus",
      },
      {
        id: "night",
        name: "Night",
        allDay: false as const,
        start: "19:00",
        end: "07:00",
        location: "Main Campus",
      },
      { id: "call", name: "24h Call", allDay: false as const, start: "07:00", end: "07:00" },
      {
        id: "clinic",
        name: "Clinic",
        allDay: false as const,
        start: "08:00",
        end: "17:00",
        location: "Clinic B",
      },
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
        assignments.push({ id: `a${s}-${i}-${d}`, personId: people[i]!.id, shiftId, date });
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
