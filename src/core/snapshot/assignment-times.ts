/**
 * The timing rules of one assignment against its shift: no `start`/`end` override on an all-day shift,
 * `endDate` not before `date`, and the longest all-day span and timed duration (`SNAPSHOT_LIMITS`).
 * Dates and times are compared as calendar arithmetic on wall-clock values: no clock, no zone.
 */
import { validDate, validTime } from "./field-checks.ts";
import type { Json } from "./json-value.ts";
import { SNAPSHOT_LIMITS } from "./limits.ts";
import type { Report } from "./problem-report.ts";
import { show } from "./show.ts";

/** What we know about a shift for checking its assignments; absent fields were missing or invalid. */
export interface ShiftFacts {
  allDay: boolean;
  start: string | undefined;
  end: string | undefined;
}

/** `endDate` order, all-day span and timed duration rules of assignment `i`. */
export function checkAssignmentTimes(a: Json, i: number, shiftId: string, shift: ShiftFacts, report: Report) {
  if (shift.allDay) {
    for (const key of ["start", "end"] as const) {
      if (a[key] !== undefined) {
        report.add(["assignments", i, key], `\`${key}\` cannot override the all-day shift ${show(shiftId)}`);
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
    report.add(at, `\`endDate\` must be on or after \`date\` (${date}), got ${show(endDate)}`);
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
