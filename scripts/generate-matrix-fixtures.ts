/**
 * Generates the time-zone matrix snapshots in fixtures/matrix/ (format `shiftfeed.snapshot/1`, see docs/snapshot-format.md):
 * one organization `matrix` ("Matrix Health", enterprise), one schedule per zone, revision 1, published
 * 2027-01-15T00:00:00Z, written to `fixtures/matrix/matrix--<schedule>.json`. Read at 2027-01-15T12:00:00Z with
 * the default window (14 days back, 300 ahead → through 2027-11-11/12) every event below is inside it.
 *
 * Zones with DST (New York, Dublin — negative DST in tzdb —, Lord Howe — 30-minute shift —, Chatham, Sydney,
 * Santiago — southern hemisphere, changes at local midnight —, Nuuk — rules changed 2023/2024, changes at 23:00
 * the evening before): this script FINDS each zone's two 2027 transitions with `transitionsBetween` and places,
 * around the gap ("spring") and the overlap ("autumn") change:
 *   <p>-spring-gap / <p>-spring-gap-end         starts / ends at the middle of the skipped wall-clock span
 *   <p>-autumn-overlap / <p>-autumn-overlap-end starts / ends at the middle of the repeated span
 *   <p>-{spring,autumn}-night                   19:00–07:00 straddling the change
 *   <p>-{spring,autumn}-call                    07:00–07:00 straddling the change (23 h / 25 h, or ±30 min)
 *   <p>-{spring,autumn}-leave                   all-day leave from the day before to two days after the change
 *   <p>-day, <p>-day-b                          ordinary 07:00–19:00 day shifts (two people: a colleagues line)
 * Zones without DST (Kathmandu +05:45, Tokyo, Mexico City — DST abolished in 2022): the same kinds (night, call,
 * leave, day) around dates other zones change on; Mexico City also gets shifts at 02:30 and 01:30 on the dates its
 * abolished rules would have skipped/repeated (they must NOT move).
 *
 * The expected instants do NOT come from here: `test/conformance/oracle.py` (Python zoneinfo) computes them
 * independently from these files. Person `nomad` works in Lord Howe, Sydney and Kathmandu (one person feed, three
 * VTIMEZONEs). Every run writes byte-identical files (no clock, no randomness; 2-space JSON + trailing newline),
 * and each file is checked with `validateSnapshot` before it is written.
 *
 *   npm exec -- node scripts/generate-matrix-fixtures.ts           # (re)write fixtures/matrix/*.json
 *   npm exec -- node scripts/generate-matrix-fixtures.ts --check   # exit 1 if the files on disk are stale
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { validateSnapshot } from "../src/core/snapshot/validate.ts";
import { transitionsBetween, type Transition } from "../src/core/time/zone-offsets.ts";
import type { Assignment } from "../src/core/snapshot/types.ts";

const OUT_DIR = new URL("../fixtures/matrix/", import.meta.url).pathname;
const ORG = { id: "matrix", name: "Matrix Health", tier: "enterprise" };
const PUBLISHED_AT = "2027-01-15T00:00:00Z";
const YEAR_FROM = Date.UTC(2027, 0, 1);
const YEAR_TO = Date.UTC(2028, 0, 1);
const NOMAD = { id: "nomad", name: "Dr. Nia Nomad" };

interface ZoneDef {
  schedule: string;
  name: string;
  zone: string;
  /** Assignment id prefix. */
  p: string;
  site: string;
  people: { id: string; name: string }[];
  withNomad?: boolean;
  /** Zones without DST: dates (the change dates of other zones) to put nights, calls and leave around. */
  near?: { label: string; date: string }[];
}

const ZONES: ZoneDef[] = [
  {
    schedule: "new-york",
    name: "New York Presbyterian ICU",
    zone: "America/New_York",
    p: "ny",
    site: "Manhattan Campus, Tower 4",
    people: [
      { id: "ny-ana", name: "Ana López, MD" },
      { id: "ny-ben", name: "Ben Okafor, MD" },
      { id: "ny-chloe", name: "Chloé Martin, RN" },
    ],
  },
  {
    schedule: "dublin",
    name: "Dublin Emergency Department",
    zone: "Europe/Dublin",
    p: "dub",
    site: "St. James's, ED",
    people: [
      { id: "dub-aoife", name: "Dr. Aoife Byrne" },
      { id: "dub-ciaran", name: "Dr. Ciarán Walsh" },
      { id: "dub-niamh", name: "Niamh Kelly, RN" },
    ],
  },
  {
    schedule: "lord-howe",
    name: "Lord Howe Island Clinic",
    zone: "Australia/Lord_Howe",
    p: "lh",
    site: "Lord Howe Island Hospital",
    people: [
      { id: "lh-liam", name: "Dr. Liam Howe" },
      { id: "lh-mia", name: "Dr. Mia Chen" },
      { id: "lh-noah", name: "Noah Wilson, RN" },
    ],
    withNomad: true,
  },
  {
    schedule: "chatham",
    name: "Chatham Islands Health Centre",
    zone: "Pacific/Chatham",
    p: "ch",
    site: "Waitangi Health Centre",
    people: [
      { id: "ch-aroha", name: "Dr. Aroha Tuuta" },
      { id: "ch-james", name: "Dr. James Preece" },
      { id: "ch-kiri", name: "Kiri Solomon, RN" },
    ],
  },
  {
    schedule: "kathmandu",
    name: "Kathmandu Teaching Hospital",
    zone: "Asia/Kathmandu",
    p: "ktm",
    site: "Maharajgunj, Ward B",
    people: [
      { id: "ktm-anil", name: "Dr. Anil Shrestha" },
      { id: "ktm-sita", name: "Dr. Sita Gurung" },
      { id: "ktm-maya", name: "Maya Tamang, RN" },
    ],
    withNomad: true,
    near: [
      { label: "apr", date: "2027-04-04" },
      { label: "oct", date: "2027-10-03" },
    ],
  },
  {
    schedule: "sydney",
    name: "Sydney Royal Cardiology",
    zone: "Australia/Sydney",
    p: "syd",
    site: "Camperdown, Level 5",
    people: [
      { id: "syd-grace", name: "Dr. Grace Nguyen" },
      { id: "syd-oliver", name: "Dr. Oliver Smith" },
      { id: "syd-ruby", name: "Ruby Taylor, RN" },
    ],
    withNomad: true,
  },
  {
    schedule: "santiago",
    name: "Santiago Hospital del Salvador",
    zone: "America/Santiago",
    p: "scl",
    site: "Providencia, Urgencias",
    people: [
      { id: "scl-camila", name: "Dra. Camila Rojas" },
      { id: "scl-mateo", name: "Dr. Mateo Muñoz" },
      { id: "scl-valen", name: "Valentina Soto, EU" },
    ],
  },
  {
    schedule: "tokyo",
    name: "Tokyo Metropolitan Surgery",
    zone: "Asia/Tokyo",
    p: "tyo",
    site: "Shinjuku, OR 2",
    people: [
      { id: "tyo-haruto", name: "Dr. Haruto Sato" },
      { id: "tyo-yui", name: "Dr. Yui Tanaka" },
      { id: "tyo-ren", name: "Ren Suzuki, RN" },
    ],
    near: [
      { label: "mar", date: "2027-03-14" },
      { label: "nov", date: "2027-11-07" },
    ],
  },
  {
    schedule: "mexico-city",
    name: "Mexico City General Hospital",
    zone: "America/Mexico_City",
    p: "mex",
    site: "Doctores, Pabellón 3",
    people: [
      { id: "mex-diego", name: "Dr. Diego Hernández" },
      { id: "mex-lucia", name: "Dra. Lucía García" },
      { id: "mex-sofia", name: "Sofía Ramírez, RN" },
    ],
    // The first Sunday of April and the last Sunday of October: where the abolished rules would have changed.
    near: [
      { label: "apr", date: "2027-04-04" },
      { label: "oct", date: "2027-10-31" },
    ],
  },
  {
    schedule: "nuuk",
    name: "Nuuk Queen Ingrid's Hospital",
    zone: "America/Nuuk",
    p: "nuk",
    site: "Dronning Ingrids Hospital",
    people: [
      { id: "nuk-aputsiaq", name: "Dr. Aputsiaq Lynge" },
      { id: "nuk-ivalu", name: "Dr. Ivalu Kleist" },
      { id: "nuk-malik", name: "Malik Berthelsen, RN" },
    ],
  },
];

// ---------------------------------------------------------------- calendar arithmetic (UTC-based, pure)

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** The wall clock at an instant under a fixed offset (seconds east): `[YYYY-MM-DD, HH:MM]`. */
function wall(epochMs: number, offsetSeconds: number): [date: string, time: string] {
  const iso = new Date(epochMs + offsetSeconds * 1000).toISOString();
  return [iso.slice(0, 10), iso.slice(11, 16)];
}

/** A wall time moved by whole minutes: `[date, HH:MM]`, crossing midnight as needed. */
function shiftWall(date: string, time: string, minutes: number): [date: string, time: string] {
  return wall(Date.parse(`${date}T${time}:00Z`) + minutes * 60_000, 0);
}

// ---------------------------------------------------------------- snapshot building

function shiftsOf(z: ZoneDef): unknown[] {
  return [
    { id: "day", name: "Day", start: "07:00", end: "19:00", location: z.site },
    { id: "early", name: "Early", start: "06:00", end: "14:00", location: z.site },
    { id: "night", name: "Night", start: "19:00", end: "07:00", location: z.site },
    { id: "call", name: "24-hour Call", start: "07:00", end: "07:00", location: z.site },
    { id: "leave", name: "Leave", allDay: true },
  ];
}

/** Nights, calls and leave around a change: the night/call start the evening/morning before it. */
function around(p: string, label: string, nightDate: string): Omit<Assignment, "personId">[] {
  return [
    { id: `${p}-${label}-night`, shiftId: "night", date: nightDate },
    { id: `${p}-${label}-call`, shiftId: "call", date: nightDate },
    { id: `${p}-${label}-leave`, shiftId: "leave", date: nightDate, endDate: addDays(nightDate, 3) },
  ];
}

/** Shifts starting and ending at wall time `date time`, lasting six wall-clock hours. */
function startingAt(id: string, date: string, time: string): Omit<Assignment, "personId"> {
  const [, end] = shiftWall(date, time, 6 * 60);
  return { id, shiftId: "early", date, start: time, end };
}
function endingAt(id: string, date: string, time: string): Omit<Assignment, "personId"> {
  const [startDate, start] = shiftWall(date, time, -6 * 60);
  return { id, shiftId: "early", date: startDate, start, end: time };
}

function dstAssignments(z: ZoneDef): Omit<Assignment, "personId">[] {
  const transitions = transitionsBetween(z.zone, YEAR_FROM, YEAR_TO);
  const gap = transitions.filter((t) => t.after > t.before);
  const overlap = transitions.filter((t) => t.after < t.before);
  if (gap.length !== 1 || overlap.length !== 1) {
    throw new Error(
      `${z.zone}: expected one gap and one overlap in 2027, got ${JSON.stringify(transitions)}`,
    );
  }
  const g = gap[0] as Transition;
  const o = overlap[0] as Transition;
  // Middle of the skipped span, in the pre-transition wall clock; middle of the repeated span.
  const gapMid = wall(g.at + ((g.after - g.before) / 2) * 1000, g.before);
  const overlapMid = wall(o.at + ((o.before - o.after) / 2) * 1000, o.after);
  // The night containing the change: the date of the wall clock 12 h before it.
  const springNight = wall(g.at - 12 * 3_600_000, g.before)[0];
  const autumnNight = wall(o.at - 12 * 3_600_000, o.before)[0];
  return [
    { id: `${z.p}-day`, shiftId: "day", date: "2027-02-10" },
    { id: `${z.p}-day-b`, shiftId: "day", date: "2027-02-10" },
    startingAt(`${z.p}-spring-gap`, ...gapMid),
    endingAt(`${z.p}-spring-gap-end`, ...gapMid),
    startingAt(`${z.p}-autumn-overlap`, ...overlapMid),
    endingAt(`${z.p}-autumn-overlap-end`, ...overlapMid),
    ...around(z.p, "spring", springNight),
    ...around(z.p, "autumn", autumnNight),
  ];
}

function steadyAssignments(z: ZoneDef): Omit<Assignment, "personId">[] {
  if (transitionsBetween(z.zone, YEAR_FROM, YEAR_TO).length > 0) throw new Error(`${z.zone} changes in 2027`);
  const out: Omit<Assignment, "personId">[] = [
    { id: `${z.p}-day`, shiftId: "day", date: "2027-02-10" },
    { id: `${z.p}-day-b`, shiftId: "day", date: "2027-02-10" },
  ];
  for (const { label, date } of z.near ?? []) out.push(...around(z.p, label, addDays(date, -1)));
  if (z.zone === "America/Mexico_City") {
    // Wall times the pre-2023 rules skipped (02:30 on 2027-04-04) and repeated (01:30 on 2027-10-31).
    out.push(startingAt("mex-former-gap", "2027-04-04", "02:30"));
    out.push(startingAt("mex-former-overlap", "2027-10-31", "01:30"));
  }
  return out;
}

function snapshotOf(z: ZoneDef): Record<string, unknown> {
  const people = z.withNomad ? [...z.people, NOMAD] : z.people;
  const drafts = z.near ? steadyAssignments(z) : dstAssignments(z);
  const assignments: Assignment[] = drafts.map((a, i) => {
    const { id, ...rest } = a;
    return { id, personId: (people[i % people.length] as { id: string }).id, ...rest };
  });
  const day = assignments.find((a) => a.id === `${z.p}-day`) as Assignment;
  if (z.p === "ny") day.note = "Covering for Dr. Kim, then teaching rounds";
  return {
    format: "shiftfeed.snapshot/1",
    organization: ORG,
    schedule: { id: z.schedule, name: z.name, timezone: z.zone },
    revision: 1,
    publishedAt: PUBLISHED_AT,
    people,
    shifts: shiftsOf(z),
    assignments,
  };
}

function main(): void {
  const check = process.argv.includes("--check");
  let stale = 0;
  mkdirSync(OUT_DIR, { recursive: true });
  for (const z of ZONES) {
    const snapshot = snapshotOf(z);
    const result = validateSnapshot(snapshot);
    if (!result.ok) throw new Error(`${z.schedule}: invalid snapshot ${JSON.stringify(result.details)}`);
    const text = `${JSON.stringify(snapshot, null, 2)}\n`;
    const file = `${OUT_DIR}matrix--${z.schedule}.json`;
    if (check) {
      if (!existsSync(file) || readFileSync(file, "utf8") !== text) {
        console.error(`stale: ${file}`);
        stale++;
      }
    } else {
      writeFileSync(file, text);
      console.log(`${file}: ${(snapshot.assignments as unknown[]).length} assignments`);
    }
  }
  if (stale > 0) process.exit(1);
}

main();
