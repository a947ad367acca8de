/**
 * Wall-clock time in IANA zones: resolving a schedule's local `date` + `time` to one instant (shiftfeed's
 * gap and fall-back rules), offsets, and pure calendar-date arithmetic. Never uses the process time zone.
 */
import { DAY_MS, assertZone, offsetSecondsAt, transitionsBetween } from "./zone-offsets.ts";

export { isSupportedZone } from "./zone-offsets.ts";

/** A wall time resolved to one instant. */
export interface ResolvedTime {
  /** The instant, ms since epoch. */
  epochMs: number;
  /** UTC offset in minutes at that instant (e.g. -240 for EDT, +345 for Kathmandu). */
  offsetMinutes: number;
  /** The real wall-clock time at that instant, `YYYY-MM-DDTHH:MM:SS`. Equals the input unless kind === "gap". */
  local: string;
  /** "exact": the wall time occurs once; "gap": it did not exist and was moved forward by the gap's length;
   *  "ambiguous": it occurs twice and the EARLIER instant (the pre-transition offset) was chosen. */
  kind: "exact" | "gap" | "ambiguous";
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{2}):(\d{2})$/;

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** `YYYY-MM-DD` of a day count since 1970-01-01 (H. Hinnant's `civil_from_days`). */
export function civilFromDays(days: number): string {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
}

/** Days since 1970-01-01 of a `YYYY-MM-DD` date; throws a RangeError naming `field` if it is not a real date. */
function parseDate(date: string, field = "date"): number {
  const m = DATE.exec(date);
  const y = Number(m?.[1]);
  const mo = Number(m?.[2]);
  const d = Number(m?.[3]);
  if (!m || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) {
    throw new RangeError(`\`${field}\` is not a YYYY-MM-DD date: ${date}`);
  }
  return daysFromCivil(y, mo, d);
}

/** Days in month `m` (1–12) of year `y` (proleptic Gregorian). */
export function daysInMonth(y: number, m: number): number {
  if (m === 2) return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** `YYYY-MM-DDTHH:MM:SS` of ms since epoch read as a wall clock (no zone). */
function formatWall(wallMs: number): string {
  const days = Math.floor(wallMs / DAY_MS);
  const secs = Math.floor((wallMs - days * DAY_MS) / 1000);
  return `${civilFromDays(days)}T${pad(Math.floor(secs / 3600))}:${pad(Math.floor(secs / 60) % 60)}:${pad(secs % 60)}`;
}

/**
 * Resolves a wall time (`date` YYYY-MM-DD, `time` HH:MM) in an IANA zone to one instant (docs/api.md › Feeds):
 * a time in a spring-forward gap moves forward by the gap's length; an ambiguous (fall-back) time takes the
 * earlier instant, i.e. the pre-transition offset.
 * @example resolveLocalTime("2026-03-08", "02:30", "America/New_York") // 07:30Z, local 03:30, kind "gap"
 * @throws RangeError for a malformed date or time or an unsupported zone.
 */
export function resolveLocalTime(date: string, time: string, zone: string): ResolvedTime {
  assertZone(zone);
  const t = TIME.exec(time);
  const hh = Number(t?.[1]);
  const mm = Number(t?.[2]);
  if (!t || hh > 23 || mm > 59) throw new RangeError(`\`time\` is not an HH:MM time: ${time}`);
  const wall = parseDate(date) * DAY_MS + (hh * 60 + mm) * 60_000;

  // Offsets lie within ±1 day, so every instant showing `wall` lies in this window. Split it into segments of
  // constant offset; each segment whose offset maps `wall` back inside itself is one occurrence.
  const from = wall - 2 * DAY_MS;
  const to = wall + 2 * DAY_MS;
  const transitions = transitionsBetween(zone, from, to);
  let segStart = from;
  let offset = offsetSecondsAt(from, zone);
  let first: number | undefined;
  let count = 0;
  for (let i = 0; i <= transitions.length; i++) {
    const next = transitions[i];
    const segEnd = next ? next.at : to;
    const candidate = wall - offset * 1000;
    if (candidate >= segStart && candidate < segEnd) {
      count++;
      if (first === undefined) first = candidate;
    }
    if (!next) break;
    segStart = next.at;
    offset = next.after;
  }
  if (first !== undefined) {
    const offsetSec = offsetSecondsAt(first, zone);
    return {
      epochMs: first,
      offsetMinutes: offsetSec / 60,
      local: `${date}T${time}:00`,
      kind: count > 1 ? "ambiguous" : "exact",
    };
  }
  // In a gap: read the wall time with the offset before the jump, which lands it past the jump by the
  // gap's length (02:30 in New York's 02:00–03:00 gap → 07:30Z = 03:30 EDT).
  const gap = transitions.find((tr) => wall >= tr.at + tr.before * 1000 && wall < tr.at + tr.after * 1000);
  const epochMs = wall - (gap ? gap.before : offsetSecondsAt(wall, zone)) * 1000;
  const offsetSec = offsetSecondsAt(epochMs, zone);
  return {
    epochMs,
    offsetMinutes: offsetSec / 60,
    local: formatWall(epochMs + offsetSec * 1000),
    kind: "gap",
  };
}

/** UTC offset in minutes of `zone` at an instant (ms since epoch). */
export function offsetAt(epochMs: number, zone: string): number {
  return offsetSecondsAt(epochMs, zone) / 60;
}

/** The calendar date (`YYYY-MM-DD`) in `zone` at an instant (ms since epoch). */
export function localDateOf(epochMs: number, zone: string): string {
  return civilFromDays(Math.floor((epochMs + offsetSecondsAt(epochMs, zone) * 1000) / DAY_MS));
}

/** Adds whole days to a `YYYY-MM-DD` date (pure calendar arithmetic, any sign). */
export function addDays(date: string, days: number): string {
  if (!Number.isInteger(days)) throw new RangeError(`\`days\` is not an integer: ${days}`);
  return civilFromDays(parseDate(date) + days);
}

/** Days from `a` to `b` (b - a) for YYYY-MM-DD dates. */
export function daysBetween(a: string, b: string): number {
  return parseDate(b, "b") - parseDate(a, "a");
}
