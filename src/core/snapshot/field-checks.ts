/**
 * Checks of single field values (ids, text, dates, times, instants, zones, revisions), each returning a bare
 * problem ("must be …, got …") or `undefined`. The zod schema and the cross-record rules both use them; the
 * caller prefixes the field name, so a message reads "`date` must be a calendar date YYYY-MM-DD, got \"2026-02-30\"".
 */
import { isSupportedZone } from "../time/local-time.ts";
import { SNAPSHOT_LIMITS } from "./limits.ts";
import { codePoints, show } from "./show.ts";

// In a `u` regex a paired surrogate is one code point, so this matches only unpaired halves.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
/**
 * Exactly the valid ids; also the zod fast path for `id` fields and the check of ids in admin URLs.
 * `.` and `..` are excluded: URL parsers remove them as dot-segments (RFC 3986 §5.2.4), so a feed, lookup or
 * rotate URL could never name them.
 */
export const ID = new RegExp(`^(?!\\.\\.?$)[A-Za-z0-9._-]{1,${SNAPSHOT_LIMITS.maxIdLength}}$`);
/** Exactly the valid wall-clock times `HH:MM`. */
export const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const DATE_SHAPE = /^(\d{4})-(\d{2})-(\d{2})$/;
// Every real calendar date from 2000-01-01 to 2099-12-31, in one allocation-free test (the hot path for
// 500,000 assignments). In this range a year is leap exactly when divisible by 4 (2000 is; 2100 is outside).
export const SUPPORTED_DATE = new RegExp(
  "^(?:20\\d\\d-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|02-(?:0[1-9]|1\\d|2[0-8]))" +
    "|20(?:[02468][048]|[13579][26])-02-29)$",
);
// RFC 3339 §5.6 date-time; upper-case `T`/`Z` only, seconds 00–59 (no leap second).
const INSTANT =
  /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

/** Why `s` is not a valid id, or `undefined`. */
export function idProblem(s: string): string | undefined {
  if (ID.test(s)) return undefined;
  if (s === "." || s === "..") {
    return `must not be "." or "..": URL parsers remove these from a path (RFC 3986 §5.2.4), so no URL could address it`;
  }
  return `must be 1–${SNAPSHOT_LIMITS.maxIdLength} characters of A-Z a-z 0-9 . _ -, got ${show(s)}`;
}

// A character that shows: anything but control (Cc), format (Cf: zero-width space, bidi controls, BOM),
// separators and white space, and the default-ignorable characters that render as nothing (Hangul fillers,
// variation selectors). A search for one, not a `^[…]*$` match, which would recurse per character.
const VISIBLE = /[^\p{Cc}\p{Cf}\p{Z}\p{White_Space}\p{Default_Ignorable_Code_Point}]/u;

/**
 * Why `s` is not acceptable text of at most `max` characters, or `undefined`. With `nonBlank` (names) it must
 * also show something: a name of only spaces, control or invisible characters renders as an empty calendar name.
 */
export function textProblem(s: string, max: number, nonBlank: boolean): string | undefined {
  if (s.length > max && codePoints(s) > max) return `must be at most ${max} characters, got ${codePoints(s)}`;
  if (nonBlank && s === "") return "must not be empty";
  if (nonBlank && !VISIBLE.test(s)) {
    return `must contain a visible character, got ${show(s)}: only spaces, control or invisible formatting characters`;
  }
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

/** `v` when it is a valid local date, else `undefined`. */
export function validDate(v: unknown): string | undefined {
  return typeof v === "string" && dateProblem(v) === undefined ? v : undefined;
}

/** `v` when it is a valid wall-clock time, else `undefined`. */
export function validTime(v: unknown): string | undefined {
  return typeof v === "string" && timeProblem(v) === undefined ? v : undefined;
}
