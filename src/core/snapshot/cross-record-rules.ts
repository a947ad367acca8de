/**
 * The rules that relate records to each other, run on the raw value so that one bad field does not hide the
 * other problems of its record: ids match the URL, ids are unique per list, `personId`/`shiftId` name existing
 * records, `allDay` agrees with `start`/`end`, and each assignment's timing fits its shift (`assignment-times.ts`).
 */
import { checkAssignmentTimes, type ShiftFacts } from "./assignment-times.ts";
import { idProblem, validTime } from "./field-checks.ts";
import { isRecord, type Json } from "./json-value.ts";
import type { Report } from "./problem-report.ts";
import { show } from "./show.ts";

/**
 * Reports every cross-record problem of `value`. Lists named in `oversized` were already rejected for their
 * length and are skipped, so validation time stays bounded.
 */
export function checkRelations(
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
          `\`personId\` ${show(personId)} names no entry of \`people\``,
        );
      }
    }
    if (typeof shiftId !== "string" || shiftFacts === undefined) continue;
    const facts = shiftFacts.get(shiftId);
    if (facts !== undefined) checkAssignmentTimes(a, i, shiftId, facts, report);
    else if (!shiftFacts.has(shiftId) && idProblem(shiftId) === undefined) {
      report.add(["assignments", i, "shiftId"], `\`shiftId\` ${show(shiftId)} names no entry of \`shifts\``);
    }
  }
}

function checkExpected(value: Json, key: "organization" | "schedule", want: string, report: Report) {
  const got = isRecord(value[key]) ? value[key]["id"] : undefined;
  if (typeof got === "string" && got !== want) {
    report.add([key, "id"], `\`id\` must match the ${key} in the URL (${show(want)}), got ${show(got)}`);
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
  else report.add([key, i, "id"], `\`id\` ${show(id)} duplicates $.${key}[${first}].id`);
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
