/**
 * Rule-based VTIMEZONE components (RFC 5545 §3.6.5, https://www.rfc-editor.org/rfc/rfc5545#section-3.6.5)
 * generated from the rules in force (`zone-offsets.ts`: the installed tz data source, the same that resolves
 * every wall time). Outlook wants `RRULE`s rather than `RDATE` lists, so yearly
 * transitions collapse into one `RRULE:FREQ=YEARLY;BYMONTH=…;BYDAY=…` observance per run of years.
 */
import { civilFromDays, daysFromCivil, daysInMonth } from "./local-time.ts";
import {
  DAY_MS,
  assertZone,
  offsetSecondsAt,
  transitionsBetween,
  zoneRulesGeneration,
} from "./zone-offsets.ts";
import type { Transition } from "./zone-offsets.ts";
import { intlOffsetSeconds } from "./zone-source.ts";

const WEEKDAYS = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"] as const;
const MAX_CACHED = 512;
const cache = new Map<string, string>();
/** The rules generation the cache was built under (see `setZoneRulesOverride`). */
let cachedGeneration = zoneRulesGeneration();
const nameFormatters = new Map<string, Intl.DateTimeFormat>();

/** A transition seen as wall-clock fields in its old offset, as DTSTART needs them. */
interface Onset extends Transition {
  year: number;
  month: number;
  /** `YYYYMMDDTHHMMSS` in the old offset. */
  dtstart: string;
  /** Time of day and weekday: with the offsets, what a yearly rule must keep fixed. */
  key: string;
  /** BYDAY values that hold for this date: `-1SU` (last) and/or `<n>SU` (n = 1–4). */
  rules: string[];
  daylight: boolean;
}

interface Group {
  onsets: Onset[];
  rules: string[];
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/** `±HHMM[SS]` of an offset in seconds; seconds only when non-zero. */
function formatOffset(seconds: number): string {
  const abs = Math.abs(seconds);
  const ss = abs % 60;
  return `${seconds < 0 ? "-" : "+"}${pad(Math.floor(abs / 3600))}${pad(Math.floor(abs / 60) % 60)}${ss ? pad(ss) : ""}`;
}

/** `YYYYMMDDTHHMMSS` of ms since epoch read as a wall clock. */
function basicDateTime(wallMs: number): string {
  const days = Math.floor(wallMs / DAY_MS);
  const secs = Math.floor((wallMs - days * DAY_MS) / 1000);
  const hms = `${pad(Math.floor(secs / 3600))}${pad(Math.floor(secs / 60) % 60)}${pad(secs % 60)}`;
  return `${civilFromDays(days).replaceAll("-", "")}T${hms}`;
}

/**
 * TZNAME of the period starting at `at` with `offset` (seconds): `Intl`'s en-US short name when it is alphabetic
 * (`EST`, `GMT`) and `Intl` agrees with the rules in force about the offset then; else the offset (`+0545`).
 * (Newer tz data than the runtime's can move an offset under an old name: Winnipeg on -05 is not `CST`.)
 */
export function zoneNameAt(zone: string, at: number, offset: number): string {
  let f = nameFormatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "short" });
    if (nameFormatters.size >= 1024) nameFormatters.clear();
    nameFormatters.set(zone, f);
  }
  const name = f.formatToParts(at).find((p) => p.type === "timeZoneName")?.value ?? "";
  return /^[A-Za-z]+$/.test(name) && intlOffsetSeconds(at, zone) === offset ? name : formatOffset(offset);
}

function onsetOf(tr: Transition, daylight: boolean): Onset {
  const wall = tr.at + tr.before * 1000;
  const dtstart = basicDateTime(wall);
  const year = Number(dtstart.slice(0, 4));
  const month = Number(dtstart.slice(4, 6));
  const day = Number(dtstart.slice(6, 8));
  const days = daysFromCivil(year, month, day);
  const weekday = WEEKDAYS[(((days + 4) % 7) + 7) % 7] as string;
  const rules: string[] = [];
  if (day + 7 > daysInMonth(year, month)) rules.push(`-1${weekday}`);
  if (day <= 28) rules.push(`${Math.ceil(day / 7)}${weekday}`);
  const key = [tr.before, tr.after, month, dtstart.slice(9), weekday, daylight].join("|");
  return { ...tr, year, month, dtstart, key, rules, daylight };
}

/**
 * A period of offset `after` is daylight time when it is a round trip above the offset it came from (it
 * rises from `before` and later falls back to `before`); permanent changes (Almaty 2024, Nuuk 2023) and
 * lower offsets are standard time.
 */
function isDaylight(entry: Transition | undefined, exit: Transition | undefined): boolean {
  return !!entry && !!exit && entry.after > entry.before && exit.after === entry.before;
}

/** Runs of the same transition in consecutive years sharing at least one BYDAY rule, in first-onset order. */
function groupOnsets(onsets: Onset[]): Group[] {
  const groups: Group[] = [];
  const open = new Map<string, Group>();
  for (const onset of onsets) {
    const g = open.get(onset.key);
    const last = g?.onsets[g.onsets.length - 1];
    const rules = g ? g.rules.filter((r) => onset.rules.includes(r)) : [];
    if (g && last && onset.year === last.year + 1 && rules.length > 0) {
      g.onsets.push(onset);
      g.rules = rules;
    } else {
      const fresh = { onsets: [onset], rules: onset.rules };
      groups.push(fresh);
      open.set(onset.key, fresh);
    }
  }
  return groups;
}

function observance(
  daylight: boolean,
  dtstart: string,
  from: number,
  to: number,
  name: string,
  rrule?: string,
): string[] {
  const kind = daylight ? "DAYLIGHT" : "STANDARD";
  const lines = [`BEGIN:${kind}`, `DTSTART:${dtstart}`];
  if (rrule) lines.push(`RRULE:${rrule}`);
  lines.push(`TZOFFSETFROM:${formatOffset(from)}`, `TZOFFSETTO:${formatOffset(to)}`, `TZNAME:${name}`);
  lines.push(`END:${kind}`);
  return lines;
}

/**
 * A rule-based VTIMEZONE (RFC 5545 §3.6.5) for `zone` that reproduces the zone's real UTC offsets (from the rules in force) for every instant
 * from Jan 1 of `fromYear` to Dec 31 of `toYear` (inclusive). Returns the component's lines joined by CRLF, with NO trailing CRLF,
 * starting `BEGIN:VTIMEZONE` and ending `END:VTIMEZONE`. Deterministic: same inputs → same string on every host, in any process TZ.
 *
 * The year after `toYear` is read too: a run of yearly transitions that continues into it is left open-ended
 * (no `UNTIL`), one that stops gets `UNTIL`, and a one-off transition is a bare `DTSTART`. The period before
 * the first transition is an extra observance from 1970 (or the year before `fromYear`), because RFC 5545
 * leaves it undefined and ical.js then reads offset 0 (libical takes the first `TZOFFSETFROM`).
 * @example buildVtimezone("America/New_York", 2025, 2027)
 */
export function buildVtimezone(zone: string, fromYear: number, toYear: number): string {
  assertZone(zone);
  if (!Number.isInteger(fromYear) || !Number.isInteger(toYear) || fromYear < 1800 || toYear > 9998) {
    throw new RangeError(`\`fromYear\`/\`toYear\` must be whole years in 1800–9998: ${fromYear}, ${toYear}`);
  }
  if (toYear < fromYear || toYear - fromYear > 200) {
    throw new RangeError(`\`toYear\` must be 0–200 years after \`fromYear\`: ${fromYear}, ${toYear}`);
  }
  if (cachedGeneration !== zoneRulesGeneration()) {
    cache.clear();
    cachedGeneration = zoneRulesGeneration();
  }
  const cacheKey = `${zone}|${fromYear}|${toYear}`;
  const hit = cache.get(cacheKey);
  if (hit !== undefined) return hit;

  // A day of margin each side covers every zone's local Jan 1 00:00 and Dec 31 24:00. The year before is read
  // to classify the first period, the year after to see whether yearly runs continue (and the one after that
  // to classify the periods of the year after).
  const rangeStart = Date.UTC(fromYear, 0, 1) - DAY_MS;
  const rangeEnd = Date.UTC(toYear + 1, 0, 1) + DAY_MS;
  const lookaheadEnd = Date.UTC(toYear + 2, 0, 1);
  const all = transitionsBetween(zone, Date.UTC(fromYear - 1, 0, 1), Date.UTC(toYear + 3, 0, 1));
  const onsets: Onset[] = [];
  let initialEntry: Transition | undefined;
  for (let i = 0; i < all.length; i++) {
    const tr = all[i] as Transition;
    if (tr.at < rangeStart) initialEntry = tr;
    else if (tr.at < lookaheadEnd) onsets.push(onsetOf(tr, isDaylight(tr, all[i + 1])));
  }

  const lines = ["BEGIN:VTIMEZONE", `TZID:${zone}`, `X-LIC-LOCATION:${zone}`];
  const initialDtstart = `${Math.min(1970, fromYear - 1)}0101T000000`;
  const firstOnset = onsets[0];
  if (!firstOnset || firstOnset.at >= rangeEnd) {
    const offset = offsetSecondsAt(rangeStart, zone);
    lines.push(...observance(false, initialDtstart, offset, offset, zoneNameAt(zone, rangeStart, offset)));
  } else {
    const initial = firstOnset.before;
    const daylight = isDaylight(initialEntry, firstOnset);
    lines.push(
      ...observance(daylight, initialDtstart, initial, initial, zoneNameAt(zone, rangeStart, initial)),
    );
    const blocks: { dtstart: string; to: number; lines: string[] }[] = [];
    for (const group of groupOnsets(onsets)) {
      const within = group.onsets.filter((o) => o.at < rangeEnd);
      const head = within[0];
      const tail = within[within.length - 1];
      if (!head || !tail) continue;
      const continues = within.length < group.onsets.length;
      const rule = group.rules.find((r) => r.startsWith("-1")) ?? group.rules[0];
      let rrule: string | undefined;
      if (rule && (continues || within.length > 1)) {
        rrule = `FREQ=YEARLY;BYMONTH=${head.month};BYDAY=${rule}`;
        if (!continues) rrule += `;UNTIL=${basicDateTime(tail.at)}Z`;
      }
      const name = zoneNameAt(zone, head.at, head.after);
      blocks.push({
        dtstart: head.dtstart,
        to: head.after,
        lines: observance(head.daylight, head.dtstart, head.before, head.after, name, rrule),
      });
    }
    blocks.sort((a, b) => (a.dtstart < b.dtstart ? -1 : a.dtstart > b.dtstart ? 1 : a.to - b.to));
    for (const b of blocks) lines.push(...b.lines);
  }
  lines.push("END:VTIMEZONE");
  const out = lines.join("\r\n");
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
  cache.set(cacheKey, out);
  return out;
}
