/**
 * The structural schema of a `shiftfeed.snapshot/1` document (CONTRACT.md "Schedule snapshot"), in zod 4.
 *
 * This file checks each field on its own: types, formats, lengths and unknown properties. Rules that relate
 * fields or records to each other (cross references, duplicates, shift lengths) live in `validate.ts`, which is
 * also the public entry point. Every custom message here is a bare problem ("must be …, got …"); `validate.ts`
 * prefixes the field name, so a message reads "`date` must be a calendar date YYYY-MM-DD, got \"2026-02-30\"".
 */
import { z } from "zod";
import { isSupportedZone } from "../time/local-time.ts";

/** The only format this validator accepts. */
export const SNAPSHOT_FORMAT = "shiftfeed.snapshot/1";

/** Limits enforced by validation. Lengths count Unicode code points, not UTF-16 units or bytes. */
export const SNAPSHOT_LIMITS = {
  /** Longest id (organization, schedule, person, shift, assignment), in characters of `A-Za-z0-9._-`. */
  maxIdLength: 64,
  /** Longest name (organization, schedule, person, shift); names must also be non-empty after trimming. */
  maxNameLength: 200,
  /** Longest `email`, `phone` or `location`. */
  maxContactLength: 320,
  /** Longest assignment `note` (16 KiB of characters). */
  maxNoteLength: 16_384,
  /** Most people in one snapshot. */
  maxPeople: 100_000,
  /** Most shift definitions in one snapshot. */
  maxShifts: 1_000,
  /** Most assignments in one snapshot. */
  maxAssignments: 500_000,
  /** Earliest and latest calendar date an assignment may use (inclusive). */
  minDate: "2000-01-01",
  maxDate: "2099-12-31",
  /** Longest all-day assignment, in days counting both `date` and `endDate`. */
  maxAllDaySpanDays: 366,
  /** Longest timed assignment, in minutes of wall-clock time (7 days). */
  maxTimedMinutes: 7 * 24 * 60,
  /** Most problems listed in one result; the rest are summarised in one final detail. */
  maxDetails: 1_000,
} as const;

/** Renders an input value for a message: strings quoted (and shortened), other values by kind. */
export function show(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") {
    const quoted = JSON.stringify(value);
    return quoted.length > 60 ? `${quoted.slice(0, 56)}…" (${codePoints(value)} characters)` : quoted;
  }
  if (typeof value === "object") return "an object";
  if (typeof value === "number") return `${typeof value} ${JSON.stringify(value) ?? String(value)}`;
  return `${typeof value} ${String(value)}`;
}

/** Counts code points without allocating (a UTF-16 surrogate pair is one character). */
function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

// In a `u` regex a paired surrogate is one code point, so this matches only unpaired halves.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const ID = new RegExp(`^[A-Za-z0-9._-]{1,${SNAPSHOT_LIMITS.maxIdLength}}$`);
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const DATE_SHAPE = /^(\d{4})-(\d{2})-(\d{2})$/;
// Every real calendar date from 2000-01-01 to 2099-12-31, in one allocation-free test (the hot path for
// 500,000 assignments). In this range a year is leap exactly when divisible by 4 (2000 is; 2100 is outside).
const SUPPORTED_DATE = new RegExp(
  "^(?:20\\d\\d-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|02-(?:0[1-9]|1\\d|2[0-8]))" +
    "|20(?:[02468][048]|[13579][26])-02-29)$",
);
// RFC 3339 §5.6 date-time; upper-case `T`/`Z` only, seconds 00–59 (no leap second).
const INSTANT =
  /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

/** Why `s` is not a valid id, or `undefined`. */
export function idProblem(s: string): string | undefined {
  if (ID.test(s)) return undefined;
  return `must be 1–${SNAPSHOT_LIMITS.maxIdLength} characters of A-Z a-z 0-9 . _ -, got ${show(s)}`;
}

/** Why `s` is not acceptable text of at most `max` characters, or `undefined`. */
export function textProblem(s: string, max: number, nonBlank: boolean): string | undefined {
  if (nonBlank && s.trim() === "") return `must not be empty or blank, got ${show(s)}`;
  if (s.length > max && codePoints(s) > max) return `must be at most ${max} characters, got ${codePoints(s)}`;
  if (LONE_SURROGATE.test(s)) return "must be valid Unicode text (it contains an unpaired UTF-16 surrogate)";
  return undefined;
}

/** True when `y-m-d` names a real day of the proleptic Gregorian calendar. */
function isRealDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] ?? 0;
  return d <= days;
}

/** True for a real calendar date written `YYYY-MM-DD` (any year). */
function isCalendarDate(s: string): boolean {
  const m = DATE_SHAPE.exec(s);
  return m !== null && isRealDate(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** Why `s` is not a supported local date, or `undefined`. */
export function dateProblem(s: string): string | undefined {
  if (SUPPORTED_DATE.test(s)) return undefined;
  if (!isCalendarDate(s)) return `must be a calendar date YYYY-MM-DD, got ${show(s)}`;
  // Zero-padded ISO dates compare correctly as strings.
  if (s < SNAPSHOT_LIMITS.minDate || s > SNAPSHOT_LIMITS.maxDate) {
    return `must be between ${SNAPSHOT_LIMITS.minDate} and ${SNAPSHOT_LIMITS.maxDate}, got ${show(s)}`;
  }
  return undefined;
}

/** Why `s` is not a wall-clock time `HH:MM`, or `undefined`. */
export function timeProblem(s: string): string | undefined {
  return TIME.test(s) ? undefined : `must be a time HH:MM from 00:00 to 23:59, got ${show(s)}`;
}

/** Why `s` is not an RFC 3339 date-time with `Z` or a numeric offset, or `undefined`. */
export function instantProblem(s: string): string | undefined {
  const m = INSTANT.exec(s);
  if (m !== null && isCalendarDate(m[1] ?? "")) return undefined;
  return `must be an RFC 3339 date-time such as "2026-11-20T14:03:00Z" or "2026-11-20T14:03:00.123+01:00", got ${show(s)}`;
}

/** Why `s` is not a supported IANA time zone, or `undefined`. */
export function zoneProblem(s: string): string | undefined {
  if (isSupportedZone(s)) return undefined;
  return `must be a canonical IANA time zone name such as "America/New_York" or "Europe/Berlin", got ${show(s)}`;
}

/** Why `n` is not a valid revision, or `undefined`. */
export function revisionProblem(n: number): string | undefined {
  if (Number.isSafeInteger(n) && n >= 1) return undefined;
  return `must be an integer from 1 to ${Number.MAX_SAFE_INTEGER}, got ${show(n)}`;
}

/**
 * A string schema whose rule is `problem` (a bare message, or `undefined` when fine). With `fast`, a regex that
 * accepts exactly the valid strings runs first: zod's regex check is several times cheaper than a refinement,
 * which matters for the fields of 500,000 assignments; `problem` then only words the message.
 */
function stringWith(problem: (s: string) => string | undefined, fast?: RegExp) {
  const error = (issue: { input?: unknown }) => problem(String(issue.input)) ?? "is invalid";
  if (fast !== undefined) return z.string().regex(fast, { error });
  return z.string().refine((s) => problem(s) === undefined, { error });
}

const id = stringWith(idProblem, ID);
const name = stringWith((s) => textProblem(s, SNAPSHOT_LIMITS.maxNameLength, true));
const contact = stringWith((s) => textProblem(s, SNAPSHOT_LIMITS.maxContactLength, false));
const note = stringWith((s) => textProblem(s, SNAPSHOT_LIMITS.maxNoteLength, false));
const localDate = stringWith(dateProblem, SUPPORTED_DATE);
const localTime = stringWith(timeProblem, TIME);

export const organizationSchema = z.strictObject({
  id,
  name,
  tier: z.enum(["enterprise", "standard"]).default("standard"),
});

export const scheduleSchema = z.strictObject({ id, name, timezone: stringWith(zoneProblem) });

export const personSchema = z.strictObject({
  id,
  name,
  email: contact.optional(),
  phone: contact.optional(),
});

/** One shift definition; whether `start`/`end` must be present depends on `allDay` (checked in `validate.ts`). */
export const shiftSchema = z.strictObject({
  id,
  name,
  allDay: z.boolean().optional(),
  start: localTime.optional(),
  end: localTime.optional(),
  location: contact.optional(),
});

export const assignmentSchema = z.strictObject({
  id,
  personId: id,
  shiftId: id,
  date: localDate,
  endDate: localDate.optional(),
  start: localTime.optional(),
  end: localTime.optional(),
  note: note.optional(),
});

/** The whole document. Array lengths are checked before parsing (see `validate.ts`), not here. */
export const snapshotSchema = z.strictObject({
  format: z.literal(SNAPSHOT_FORMAT),
  organization: organizationSchema,
  schedule: scheduleSchema,
  revision: z.number().refine((n) => revisionProblem(n) === undefined, {
    error: (issue) => revisionProblem(Number(issue.input)) ?? "is invalid",
  }),
  publishedAt: stringWith(instantProblem),
  people: z.array(personSchema),
  shifts: z.array(shiftSchema),
  assignments: z.array(assignmentSchema),
});

export type SnapshotInput = z.output<typeof snapshotSchema>;

/** A location inside the document: object keys and array indexes from the root. */
export type Path = readonly (string | number)[];

const SHAPES: Record<string, { shape: object }> = {
  organization: organizationSchema,
  schedule: scheduleSchema,
  people: personSchema,
  shifts: shiftSchema,
  assignments: assignmentSchema,
};
const KINDS: Record<string, string> = {
  organization: "`organization`",
  schedule: "`schedule`",
  people: "a person",
  shifts: "a shift",
  assignments: "an assignment",
};

/**
 * Turns one zod issue into located, field-naming messages. An unknown-keys issue becomes one detail per key,
 * at the key's own path, with a "did you mean" hint when a known property is one typo away.
 */
export function issueDetails(issue: z.core.$ZodIssue): { path: Path; message: string }[] {
  const path = issue.path.filter((seg): seg is string | number => typeof seg !== "symbol");
  const last = path[path.length - 1];
  const field =
    last === undefined
      ? "the snapshot"
      : typeof last === "number"
        ? `\`${String(path[path.length - 2])}[${last}]\``
        : `\`${last}\``;
  const input = "input" in issue ? issue.input : undefined;

  switch (issue.code) {
    case "unrecognized_keys": {
      // The container is the nearest key naming a kind of object (`assignments` for `$.assignments[3]`).
      const container = [...path].reverse().find((seg): seg is string => typeof seg === "string");
      const known = Object.keys(
        (container !== undefined ? SHAPES[container] : undefined)?.shape ?? snapshotSchema.shape,
      );
      const kind = (container !== undefined ? KINDS[container] : undefined) ?? "the snapshot";
      return issue.keys.map((key) => {
        const hint = closest(key, known);
        return {
          path: [...path, key],
          message: `\`${key}\` is not a property of ${kind}${hint === undefined ? "" : ` (did you mean \`${hint}\`?)`}`,
        };
      });
    }
    case "invalid_type":
      if (input === undefined) return [{ path, message: `${field} is required` }];
      return [{ path, message: `${field} must be ${article(issue.expected)}, got ${show(input)}` }];
    case "invalid_value": {
      const options = issue.values.map((v) => JSON.stringify(v)).join(", ");
      const want = issue.values.length === 1 ? options : `one of ${options}`;
      return [{ path, message: `${field} must be ${want}, got ${show(input)}` }];
    }
    default:
      return [{ path, message: `${field} ${issue.message}` }];
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** The known name at edit distance ≤ 2 (ignoring case) from `key`, if any. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2 || a.length > 64) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = row;
  }
  return prev[b.length] ?? 3;
}
