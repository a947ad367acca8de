/**
 * The public entry for snapshot validation: a parsed JSON value in, a typed `Snapshot` or EVERY problem out,
 * each located by its JSON path (`$.assignments[3].date`). Field checks come from `schema.ts` (zod); this file adds
 * the rules that relate fields and records (cross references, duplicates, shift lengths), which run on the raw
 * value so that one bad field does not hide the other problems of its record.
 */
import type { ErrorDetail } from "../errors.ts";
import type { Assignment, Person, Shift, Snapshot } from "./types.ts";
import {
  SNAPSHOT_LIMITS,
  dateProblem,
  idProblem,
  issueDetails,
  show,
  snapshotSchema,
  timeProblem,
  type Path,
  type SnapshotInput,
} from "./schema.ts";

export { SNAPSHOT_LIMITS };

export type SnapshotResult = { ok: true; snapshot: Snapshot } | { ok: false; details: ErrorDetail[] };

type Json = Record<string, unknown>;

const ARRAY_LIMITS = [
  ["people", SNAPSHOT_LIMITS.maxPeople],
  ["shifts", SNAPSHOT_LIMITS.maxShifts],
  ["assignments", SNAPSHOT_LIMITS.maxAssignments],
] as const;

/**
 * Validates a parsed JSON value as a `shiftfeed.snapshot/1` snapshot and reports every problem at once
 * (at most `SNAPSHOT_LIMITS.maxDetails`, then one summary detail), in document order.
 * `expected` (the org and schedule named by the URL) must match `organization.id` / `schedule.id`.
 *
 * @example
 * const result = validateSnapshot(JSON.parse(body), { org: "stmarys", schedule: "cardiology" });
 * if (!result.ok) throw new ServiceError("invalid_snapshot", "snapshot rejected", result.details);
 */
export function validateSnapshot(
  value: unknown,
  expected?: { org: string; schedule: string },
): SnapshotResult {
  const report = createReport(SNAPSHOT_LIMITS.maxDetails);
  if (!isRecord(value)) {
    report.add([], `the snapshot must be a JSON object, got ${show(value)}`);
    return { ok: false, details: report.details() };
  }

  // Refuse oversized arrays before touching their elements, so validation time stays bounded.
  const input: Json = { ...value };
  const oversized = new Set<string>();
  for (const [key, max] of ARRAY_LIMITS) {
    const list = value[key];
    if (Array.isArray(list) && list.length > max) {
      report.add([key], `\`${key}\` must have at most ${max} entries, got ${list.length}`);
      input[key] = [];
      oversized.add(key);
    }
  }

  const parsed = snapshotSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      for (const { path, message } of issueDetails(issue)) report.add(path, message);
    }
  }
  checkRelations(value, oversized, report, expected);

  if (report.count > 0 || !parsed.success) return { ok: false, details: report.details() };
  return { ok: true, snapshot: toSnapshot(parsed.data) };
}

/** What we know about a shift for checking its assignments; absent fields were missing or invalid. */
interface ShiftFacts {
  allDay: boolean;
  start: string | undefined;
  end: string | undefined;
}

function checkRelations(
  value: Json,
  oversized: Set<string>,
  report: Report,
  expected?: { org: string; schedule: string },
) {
  if (expected !== undefined) {
    checkExpected(value, "organization", expected.org, report);
    checkExpected(value, "schedule", expected.schedule, report);
  }
  const people = oversized.has("people") ? undefined : value["people"];
  const shifts = oversized.has("shifts") ? undefined : value["shifts"];
  const assignments = oversized.has("assignments") ? undefined : value["assignments"];

  const personIds = Array.isArray(people) ? indexIds("people", people, report) : undefined;
  const shiftFacts = Array.isArray(shifts) ? checkShifts(shifts, report) : undefined;
  if (!Array.isArray(assignments)) return;
  const assignmentIds = new Map<string, number>();
  for (let i = 0; i < assignments.length; i++) {
    const a: unknown = assignments[i];
    if (!isRecord(a)) continue;
    checkDuplicate("assignments", i, a["id"], assignmentIds, report);
    const { personId, shiftId } = a;
    // Look up first: the id format is only checked (to avoid a second error for a malformed id) on a miss.
    if (typeof personId === "string" && personIds !== undefined && !personIds.has(personId)) {
      if (idProblem(personId) === undefined) {
        report.add(
          ["assignments", i, "personId"],
          `\`personId\` ${JSON.stringify(personId)} names no entry of \`people\``,
        );
      }
    }
    if (typeof shiftId !== "string" || shiftFacts === undefined) continue;
    const facts = shiftFacts.get(shiftId);
    if (facts !== undefined) checkAssignmentTimes(a, i, shiftId, facts, report);
    else if (!shiftFacts.has(shiftId) && idProblem(shiftId) === undefined) {
      report.add(
        ["assignments", i, "shiftId"],
        `\`shiftId\` ${JSON.stringify(shiftId)} names no entry of \`shifts\``,
      );
    }
  }
}

function checkExpected(value: Json, key: "organization" | "schedule", want: string, report: Report) {
  const got = isRecord(value[key]) ? value[key]["id"] : undefined;
  if (typeof got === "string" && got !== want) {
    report.add(
      [key, "id"],
      `\`id\` must match the ${key} in the URL (${JSON.stringify(want)}), got ${JSON.stringify(got)}`,
    );
  }
}

/** Collects the ids of `list` (first index wins), reporting duplicates. */
function indexIds(key: string, list: unknown[], report: Report): Map<string, number> {
  const seen = new Map<string, number>();
  list.forEach((item, i) => {
    if (isRecord(item)) checkDuplicate(key, i, item["id"], seen, report);
  });
  return seen;
}

function checkDuplicate(key: string, i: number, id: unknown, seen: Map<string, number>, report: Report) {
  if (typeof id !== "string") return;
  const first = seen.get(id);
  if (first === undefined) seen.set(id, i);
  else report.add([key, i, "id"], `\`id\` ${JSON.stringify(id)} duplicates $.${key}[${first}].id`);
}

/** Checks `allDay` against `start`/`end`, and returns the facts assignments need, by shift id. */
function checkShifts(shifts: unknown[], report: Report): Map<string, ShiftFacts | undefined> {
  const ids = indexIds("shifts", shifts, report);
  const facts = new Map<string, ShiftFacts | undefined>();
  for (let i = 0; i < shifts.length; i++) {
    const s = shifts[i];
    if (!isRecord(s)) continue;
    // Facts come from the first shift with an id; a later duplicate is still checked on its own.
    const id = typeof s["id"] === "string" && ids.get(s["id"]) === i ? s["id"] : undefined;
    const allDay = s["allDay"] ?? false;
    if (typeof allDay !== "boolean") {
      if (id !== undefined) facts.set(id, undefined);
      continue;
    }
    for (const key of ["start", "end"] as const) {
      if (allDay && s[key] !== undefined) {
        report.add(["shifts", i, key], `\`${key}\` is not allowed on an all-day shift (\`allDay: true\`)`);
      } else if (!allDay && s[key] === undefined) {
        report.add(
          ["shifts", i, key],
          `\`${key}\` is required unless the shift is all-day (\`allDay: true\`)`,
        );
      }
    }
    if (id !== undefined) facts.set(id, { allDay, start: validTime(s["start"]), end: validTime(s["end"]) });
  }
  return facts;
}

/** `endDate` order, all-day span and timed duration rules of assignment `i`. */
function checkAssignmentTimes(a: Json, i: number, shiftId: string, shift: ShiftFacts, report: Report) {
  if (shift.allDay) {
    for (const key of ["start", "end"] as const) {
      if (a[key] !== undefined) {
        report.add(
          ["assignments", i, key],
          `\`${key}\` cannot override the all-day shift ${JSON.stringify(shiftId)}`,
        );
      }
    }
  }
  // Without `endDate` an assignment lasts one day (all-day), or ends on `date` or the next day (timed).
  if (a["endDate"] === undefined) return;
  const date = validDate(a["date"]);
  const endDate = validDate(a["endDate"]);
  if (date === undefined || endDate === undefined) return;
  const days = dayNumber(endDate) - dayNumber(date);
  const at = ["assignments", i, "endDate"];
  if (days < 0) {
    report.add(at, `\`endDate\` must be on or after \`date\` (${date}), got ${JSON.stringify(endDate)}`);
    return;
  }

  if (shift.allDay) {
    if (days + 1 > SNAPSHOT_LIMITS.maxAllDaySpanDays) {
      report.add(
        at,
        `\`endDate\` makes an all-day assignment of ${days + 1} days; at most ${SNAPSHOT_LIMITS.maxAllDaySpanDays} are allowed`,
      );
    }
    return;
  }

  const start = a["start"] === undefined ? shift.start : validTime(a["start"]);
  const end = a["end"] === undefined ? shift.end : validTime(a["end"]);
  if (start === undefined || end === undefined) return;
  const minutes = days * 1440 + minuteOfDay(end) - minuteOfDay(start);
  if (minutes <= 0) {
    report.add(
      at,
      `\`endDate\` equal to \`date\` with end ${end} at or before start ${start} makes a zero-length or negative shift; ` +
        "omit `endDate` for a shift that ends the next day",
    );
  } else if (minutes > SNAPSHOT_LIMITS.maxTimedMinutes) {
    report.add(
      at,
      `\`endDate\` makes the shift last ${formatDuration(minutes)} (${date} ${start} to ${endDate} ${end}); ` +
        `at most ${SNAPSHOT_LIMITS.maxTimedMinutes / 1440} days are allowed`,
    );
  }
}

function toSnapshot(data: SnapshotInput): Snapshot {
  return {
    format: data.format,
    organization: { id: data.organization.id, name: data.organization.name, tier: data.organization.tier },
    schedule: { id: data.schedule.id, name: data.schedule.name, timezone: data.schedule.timezone },
    revision: data.revision,
    publishedAt: data.publishedAt,
    // zod's output objects already hold exactly the schema's keys, in schema order, absent optionals omitted.
    people: data.people satisfies Person[],
    shifts: data.shifts.map((s): Shift => {
      const location = s.location !== undefined && { location: s.location };
      if (s.allDay === true) return { id: s.id, name: s.name, allDay: true, ...location };
      // checkShifts has rejected a timed shift without both times, so they are present here.
      return { id: s.id, name: s.name, allDay: false, start: s.start ?? "", end: s.end ?? "", ...location };
    }),
    assignments: data.assignments satisfies Assignment[],
  };
}

/** Collects problems up to `max`, then only counts; lists them in document order. */
interface Report {
  count: number;
  add(path: Path, message: string): void;
  details(): ErrorDetail[];
}

function createReport(max: number): Report {
  const kept: { path: Path; message: string }[] = [];
  return {
    count: 0,
    add(path, message) {
      this.count++;
      if (kept.length < max) kept.push({ path, message });
    },
    details() {
      const sorted = kept.slice().sort((a, b) => comparePaths(a.path, b.path));
      const out = sorted.map(({ path, message }) => ({ path: formatPath(path), message }));
      const more = this.count - kept.length;
      if (more > 0)
        out.push({ path: "$", message: `${more} more problems not listed (at most ${max} are reported)` });
      return out;
    },
  };
}

// Field order of the contract's example, so details read top to bottom like the document.
const KEY_ORDER = new Map(
  [
    ...["format", "organization", "schedule", "revision", "publishedAt", "people", "shifts", "assignments"],
    ...[
      "id",
      "personId",
      "shiftId",
      "name",
      "tier",
      "timezone",
      "email",
      "phone",
      "allDay",
      "date",
      "endDate",
    ],
    ...["start", "end", "location", "note"],
  ].map((key, rank) => [key, rank]),
);

/** A total order on paths: indexes numerically, known keys in document order, then other keys by name. */
function comparePaths(a: Path, b: Path): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (typeof x === "number" && typeof y === "number") return x - y;
    if (typeof x === "number") return -1;
    if (typeof y === "number") return 1;
    const rx = KEY_ORDER.get(x ?? "") ?? KEY_ORDER.size;
    const ry = KEY_ORDER.get(y ?? "") ?? KEY_ORDER.size;
    if (rx !== ry) return rx - ry;
    return (x ?? "") < (y ?? "") ? -1 : 1;
  }
  return a.length - b.length;
}

/** `["assignments", 3, "date"]` → `$.assignments[3].date`; odd keys are quoted: `$["a b"]`. */
export function formatPath(path: Path): string {
  let out = "$";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += /^[A-Za-z_][A-Za-z0-9_]*$/.test(seg) ? `.${seg}` : `[${JSON.stringify(seg)}]`;
  }
  return out;
}

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function validDate(v: unknown): string | undefined {
  return typeof v === "string" && dateProblem(v) === undefined ? v : undefined;
}
function validTime(v: unknown): string | undefined {
  return typeof v === "string" && timeProblem(v) === undefined ? v : undefined;
}

/** Days since 1970-01-01 of a valid `YYYY-MM-DD` (Date.UTC is pure arithmetic: no clock, no zone). */
function dayNumber(date: string): number {
  return (
    Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / 86_400_000
  );
}

function minuteOfDay(time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

function formatDuration(minutes: number): string {
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  return `${days} days ${hours} h ${rest} min`;
}
