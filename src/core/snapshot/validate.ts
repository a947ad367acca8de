/**
 * The public entry for snapshot validation: a parsed JSON value in, a typed `Snapshot` or EVERY problem out,
 * each located by its JSON path (`$.assignments[3].date`). Field checks come from `schema.ts` (zod, worded by
 * `issue-details.ts`); the rules that relate fields and records (cross references, duplicates, shift lengths)
 * come from `cross-record-rules.ts`, which runs on the raw value so that one bad field does not hide the other
 * problems of its record.
 */
import type { ErrorDetail } from "../errors.ts";
import { checkRelations } from "./cross-record-rules.ts";
import { show } from "./show.ts";
import { issueDetails } from "./issue-details.ts";
import { isRecord, type Json } from "./json-value.ts";
import { SNAPSHOT_LIMITS } from "./limits.ts";
import { createReport, type Report } from "./problem-report.ts";
import { assignmentSchema, personSchema, shiftSchema, snapshotSchema, type SnapshotInput } from "./schema.ts";
import type { Assignment, Person, Shift, Snapshot } from "./types.ts";

export { SNAPSHOT_LIMITS };

export type SnapshotResult = { ok: true; snapshot: Snapshot } | { ok: false; details: ErrorDetail[] };

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
  const snapshot = checkSnapshot(value, report, expected);
  return snapshot === undefined ? { ok: false, details: report.details() } : { ok: true, snapshot };
}

/**
 * {@link checkSnapshot} for a caller that owns `value` and never reads it again (ingest): its records are
 * replaced by their checked copies one at a time — the same result, about a third less memory at the peak — and
 * `pause` is awaited every {@link RECORDS_PER_TURN} records, so that a big snapshot's check gives other work of
 * the process its turns (on Workers: another organization's request reading its body).
 */
export async function consumeSnapshot(
  value: unknown,
  report: Report,
  expected: { org: string; schedule: string },
  pause: () => Promise<void>,
): Promise<Snapshot | undefined> {
  if (isRecord(value) && report.count === 0) {
    const records = checkByRecord(value);
    let step = records.next();
    while (!step.done) {
      await pause();
      step = records.next();
    }
    if (step.value !== undefined) {
      checkRelations(value, new Set(), report, expected);
      return report.count > 0 ? undefined : toSnapshot(step.value);
    }
  }
  return checkSnapshot(value, report, expected);
}

/**
 * {@link validateSnapshot} into a caller's report, for callers that add problems of their own (ingest adds the
 * duplicate keys only the JSON text shows): the typed snapshot, or `undefined` when any problem was reported.
 */
export function checkSnapshot(
  value: unknown,
  report: Report,
  expected?: { org: string; schedule: string },
): Snapshot | undefined {
  if (!isRecord(value)) {
    report.add([], `the snapshot must be a JSON object, got ${show(value)}`);
    return undefined;
  }

  // Refuse oversized arrays before touching their elements, so validation time stays bounded. (The value is
  // copied only then: a copy of an object with a million unknown keys would cost seconds.)
  let input: Json = value;
  const oversized = new Set<string>();
  for (const [key, max] of ARRAY_LIMITS) {
    const list = value[key];
    if (Array.isArray(list) && list.length > max) {
      report.add([key], `\`${key}\` must have at most ${max} entries, got ${list.length}`);
      input = { ...input, [key]: [] };
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

  if (report.count > 0 || !parsed.success) return undefined;
  return toSnapshot(parsed.data);
}

/** Records checked between two turns given back (see {@link consumeSnapshot}). */
export const RECORDS_PER_TURN = 5_000;

const RECORD_SCHEMAS = [
  ["people", personSchema],
  ["shifts", shiftSchema],
  ["assignments", assignmentSchema],
] as const;

/**
 * A valid snapshot checked a record at a time, each record replaced in `value` by zod's copy of it as soon as it
 * is checked: zod's copy of the whole value is never held beside it (at 16 MiB: the parsed value is 35 MiB, a
 * copy 13 MiB more, and copying makes 48 MiB of garbage). `undefined` at the first problem of any kind, or an
 * oversized list: the caller then checks the value whole, as before, for every problem in order (records already
 * replaced are valid, and zod's copy of a valid record says the same).
 */
function* checkByRecord(value: Json): Generator<void, SnapshotInput | undefined> {
  for (const [key, max] of ARRAY_LIMITS) {
    const list = value[key];
    if (!Array.isArray(list) || list.length > max) return undefined;
  }
  for (const [key, schema] of RECORD_SCHEMAS) {
    const list = value[key] as unknown[];
    for (let i = 0; i < list.length; i++) {
      const checked = schema.safeParse(list[i]);
      if (!checked.success) return undefined;
      list[i] = checked.data;
      if (i % RECORDS_PER_TURN === RECORDS_PER_TURN - 1) yield;
    }
  }
  const rest = snapshotSchema.safeParse({ ...value, people: [], shifts: [], assignments: [] });
  if (!rest.success) return undefined;
  return {
    ...rest.data,
    people: value["people"] as SnapshotInput["people"],
    shifts: value["shifts"] as SnapshotInput["shifts"],
    assignments: value["assignments"] as SnapshotInput["assignments"],
  };
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
      // checkShifts (cross-record-rules.ts) has rejected a timed shift without both times, so they are present here.
      return { id: s.id, name: s.name, allDay: false, start: s.start ?? "", end: s.end ?? "", ...location };
    }),
    assignments: data.assignments satisfies Assignment[],
  };
}
