/**
 * The POSIX `TZ` strings that end TZif files (RFC 8536 §3.3, https://www.rfc-editor.org/rfc/rfc8536#section-3.3):
 * a zone's rule for every instant after its last listed transition, e.g. `EST5EDT,M3.2.0,M11.1.0` (New York),
 * `<-04>4` (a permanent offset), `IST-1GMT0,M10.5.0,M3.5.0/1` (Dublin's negative DST) or
 * `<-03>3<-02>,M3.2.0/-2,M11.1.0/-1` (times outside 0–24 h, RFC 8536's extension). Pure parsing and arithmetic.
 */
import { daysFromCivil, daysInMonth } from "./local-time.ts";

/** One end of a daylight period: a day rule and the local time of day (seconds, may be negative or > 24 h). */
interface DayRule {
  /** `J` (1–365, no Feb 29), `N` (0–365, zero-based), `M` (month, week 1–5, weekday 0–6). */
  kind: "J" | "N" | "M";
  day: number;
  month: number;
  week: number;
  time: number;
}

/** A parsed POSIX TZ string: offsets in seconds EAST of UTC (the string itself counts west). */
export interface PosixTz {
  std: number;
  /** `null`: no daylight time. */
  dst: number | null;
  start: DayRule | null;
  end: DayRule | null;
}

const NAME = /^(?:<[A-Za-z0-9+-]{3,}>|[A-Za-z]{3,})/;
const OFFSET = /^([+-]?)(\d{1,3})(?::(\d{1,2})(?::(\d{1,2}))?)?/;
const RULE =
  /^(?:J(\d{1,3})|(\d{1,3})|M(\d{1,2})\.(\d)\.(\d))(?:\/([+-]?\d{1,3}(?::\d{1,2}(?::\d{1,2})?)?))?/;

function seconds(m: RegExpExecArray): number {
  const value = Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
  return m[1] === "-" ? -value : value;
}

function parseRule(text: string): [DayRule, string] | null {
  const m = RULE.exec(text);
  if (!m) return null;
  let time = 7200;
  if (m[6] !== undefined) {
    const t = OFFSET.exec(m[6]);
    if (!t) return null;
    time = seconds(t);
  }
  const rule: DayRule =
    m[1] !== undefined
      ? { kind: "J", day: Number(m[1]), month: 0, week: 0, time }
      : m[2] !== undefined
        ? { kind: "N", day: Number(m[2]), month: 0, week: 0, time }
        : { kind: "M", day: Number(m[5]), month: Number(m[3]), week: Number(m[4]), time };
  return [rule, text.slice(m[0].length)];
}

/** Parses a POSIX TZ string; `null` when it is not one (the caller then knows no rule past the table). */
export function parsePosixTz(text: string): PosixTz | null {
  let rest = text;
  const stdName = NAME.exec(rest);
  if (!stdName) return null;
  rest = rest.slice(stdName[0].length);
  const stdOff = OFFSET.exec(rest);
  if (!stdOff) return null;
  rest = rest.slice(stdOff[0].length);
  const std = 0 - seconds(stdOff);
  if (rest === "") return { std, dst: null, start: null, end: null };
  const dstName = NAME.exec(rest);
  if (!dstName) return null;
  rest = rest.slice(dstName[0].length);
  let dst = std + 3600;
  const dstOff = OFFSET.exec(rest);
  if (dstOff) {
    dst = 0 - seconds(dstOff);
    rest = rest.slice(dstOff[0].length);
  }
  // POSIX leaves the default rules to the implementation; zic always writes them, and US rules are the usual choice.
  if (rest === "") rest = ",M3.2.0,M11.1.0";
  if (rest[0] !== ",") return null;
  const start = parseRule(rest.slice(1));
  if (!start || start[1][0] !== ",") return null;
  const end = parseRule(start[1].slice(1));
  if (!end || end[1] !== "") return null;
  return { std, dst, start: start[0], end: end[0] };
}

function isLeap(y: number): boolean {
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
}

/** Days since 1970-01-01 of the day a rule names in year `y`. */
function ruleDay(rule: DayRule, y: number): number {
  const jan1 = daysFromCivil(y, 1, 1);
  if (rule.kind === "N") return jan1 + rule.day;
  if (rule.kind === "J") return jan1 + rule.day - 1 + (isLeap(y) && rule.day >= 60 ? 1 : 0);
  const first = daysFromCivil(y, rule.month, 1);
  const firstWeekday = (((first + 4) % 7) + 7) % 7;
  let day = first + ((rule.day - firstWeekday + 7) % 7) + (rule.week - 1) * 7;
  if (rule.week === 5) {
    const last = first + daysInMonth(y, rule.month) - 1;
    while (day > last) day -= 7;
  }
  return day;
}

/** The instants (ms) daylight time starts and ends in year `y`: the start in standard time, the end in daylight. */
function yearChanges(tz: PosixTz, y: number): [start: number, end: number] {
  const start = tz.start as DayRule;
  const end = tz.end as DayRule;
  return [
    (ruleDay(start, y) * 86400 + start.time - tz.std) * 1000,
    (ruleDay(end, y) * 86400 + end.time - (tz.dst as number)) * 1000,
  ];
}

/** The UTC year an instant falls in (±1 is enough for the rules' sake). */
function yearOf(ms: number): number {
  return new Date(ms).getUTCFullYear();
}

/** Offset in seconds east of UTC that a POSIX TZ rule gives at an instant (ms). */
export function posixOffsetAt(tz: PosixTz, atMs: number): number {
  if (tz.dst === null) return tz.std;
  const y = yearOf(atMs);
  let found = tz.std;
  let foundAt = -Infinity;
  // The latest change at or before the instant decides; an end and the next start at one instant (a year-round
  // daylight rule such as `0/0,J365/25`) leave daylight time in force, so ends are ranked first on ties.
  for (let year = y - 1; year <= y + 1; year++) {
    const [start, end] = yearChanges(tz, year);
    if (end <= atMs && end >= foundAt) {
      found = tz.std;
      foundAt = end;
    }
    if (start <= atMs && start >= foundAt) {
      found = tz.dst;
      foundAt = start;
    }
  }
  return found;
}

/** Instants (ms) where the rule's offset changes, with `from <= at < to`, ascending, each a real change. */
export function posixChanges(tz: PosixTz, from: number, to: number): number[] {
  if (tz.dst === null || to <= from) return [];
  const out: number[] = [];
  const candidates: number[] = [];
  for (let y = yearOf(from) - 1, last = yearOf(to) + 1; y <= last; y++)
    candidates.push(...yearChanges(tz, y));
  candidates.sort((a, b) => a - b);
  for (const at of candidates) {
    if (at < from || at >= to || out[out.length - 1] === at) continue;
    if (posixOffsetAt(tz, at - 1000) !== posixOffsetAt(tz, at)) out.push(at);
  }
  return out;
}
