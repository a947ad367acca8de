/**
 * UTC offsets and transitions of IANA zones, read from `Intl` (the runtime's tzdata), cached per zone and year.
 *
 * `Intl` only answers "what is the wall clock at instant t", so each UTC year is scanned once (a sample per
 * day, then bisection to the exact second) into a small transition table; offset lookups are then a binary
 * search instead of a ~3 µs `Intl` format call. Pure: no clock, no randomness, no process time zone.
 */

/** A change of UTC offset at one instant. */
export interface Transition {
  /** The instant of the change, ms since epoch (a whole second). */
  at: number;
  /** Offset in force before `at`, seconds east of UTC. */
  before: number;
  /** Offset in force from `at`, seconds east of UTC. */
  after: number;
}

interface YearTable {
  /** Offset (seconds) just before Jan 1 00:00 UTC of the year. */
  initial: number;
  /** Transitions in [Jan 1, next Jan 1) UTC, ascending. */
  transitions: Transition[];
}

const SECOND = 1000;
export const DAY_MS = 86_400_000;
/** Cap on cached years per zone; the cache is simply reset past it. */
const MAX_YEARS_PER_ZONE = 256;
const MAX_ZONES = 1024;

/**
 * Replaces the runtime's answer for some zones: given a zone, an instant and what `Intl` says, the offset (seconds)
 * to use instead. A seam to simulate a time-zone rule change (a runtime with newer tz data) in tests.
 */
export type ZoneRulesOverride = (zone: string, atMs: number, intlOffsetSeconds: number) => number;

let override: ZoneRulesOverride | null = null;
let generation = 0;

/**
 * Installs (or, with `null`, removes) a {@link ZoneRulesOverride} for this thread: every cached table is dropped,
 * and {@link zoneRulesGeneration} moves so caches built from the rules (VTIMEZONEs) are dropped too.
 */
export function setZoneRulesOverride(next: ZoneRulesOverride | null): void {
  override = next;
  tables.clear();
  generation++;
}

/** Moves whenever the rules in force change (see {@link setZoneRulesOverride}). */
export function zoneRulesGeneration(): number {
  return generation;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const tables = new Map<string, Map<number, YearTable>>();
const supported = new Map<string, boolean>();

/** Regions of the IANA tzdb's canonical `Area/Location` names; `Etc/`, `US/`, `SystemV/`… are legacy. */
const AREAS = new Set([
  "Africa",
  "America",
  "Antarctica",
  "Arctic",
  "Asia",
  "Atlantic",
  "Australia",
  "Europe",
  "Indian",
  "Pacific",
]);
const ZONE_SHAPE = /^([A-Z][a-z]+)\/[A-Z][A-Za-z]*(?:[_-][A-Za-z]+)*(?:\/[A-Z][A-Za-z]*(?:[_-][A-Za-z]+)*)?$/;

function bounded<K, V>(map: Map<K, V>, max: number): Map<K, V> {
  if (map.size >= max) map.clear();
  return map;
}

/**
 * True when `zone` is `UTC` or a canonical-looking `Area/Location[/Sub]` IANA name that `Intl` accepts.
 * Intl canonicalises some valid names to older ones (`America/Nuuk` → `America/Godthab` in ICU 78), so an
 * exact round-trip cannot be demanded; instead the spelling must match Intl's whenever Intl reports the
 * same name case-insensitively (this rejects `America/New_york`), and the shape rejects lower-case names.
 */
export function isSupportedZone(zone: string): boolean {
  const known = supported.get(zone);
  if (known !== undefined) return known;
  let ok = zone === "UTC";
  const shape = ZONE_SHAPE.exec(zone);
  if (!ok && shape && AREAS.has(shape[1] ?? "")) {
    try {
      const resolved = new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone;
      ok = resolved.toLowerCase() !== zone.toLowerCase() || resolved === zone;
    } catch {
      ok = false;
    }
  }
  bounded(supported, 4096).set(zone, ok);
  return ok;
}

/** Throws a RangeError naming the zone unless it is supported. */
export function assertZone(zone: string): void {
  if (!isSupportedZone(zone)) throw new RangeError(`unsupported time zone \`${zone}\``);
}

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    bounded(formatters, MAX_ZONES).set(zone, f);
  }
  return f;
}

const FORMATTED = /^(\d{2})\/(\d{2})\/(\d{4,}), (\d{2}):(\d{2}):(\d{2})$/;

/** Offset in seconds of `zone` at a whole-second instant, from Intl or the override (slow path). */
function intlOffsetSeconds(atMs: number, zone: string): number {
  const intl = runtimeOffsetSeconds(atMs, zone);
  return override === null ? intl : override(zone, atMs, intl);
}

/** Offset in seconds of `zone` at a whole-second instant, straight from Intl. */
function runtimeOffsetSeconds(atMs: number, zone: string): number {
  const f = formatterFor(zone);
  const m = FORMATTED.exec(f.format(atMs));
  let wall: number;
  if (m) {
    wall = Date.UTC(Number(m[3]), Number(m[1]) - 1, Number(m[2]), Number(m[4]), Number(m[5]), Number(m[6]));
  } else {
    // Unexpected shape (another ICU build): fall back to the structured API.
    const p: Record<string, number> = {};
    for (const part of f.formatToParts(atMs)) p[part.type] = Number(part.value);
    wall = Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
  }
  return (wall - atMs) / SECOND;
}

function scanYear(zone: string, year: number): YearTable {
  const start = Date.UTC(year, 0, 1);
  const last = Date.UTC(year + 1, 0, 1) - SECOND;
  let t = start - SECOND;
  let off = intlOffsetSeconds(t, zone);
  const initial = off;
  const transitions: Transition[] = [];
  while (t < last) {
    const probe = Math.min(t + DAY_MS, last);
    const o = intlOffsetSeconds(probe, zone);
    if (o === off) {
      t = probe;
      continue;
    }
    // Bisect (t, probe] in whole seconds for the first instant whose offset is not `off`.
    let lo = t;
    let hi = probe;
    while (hi - lo > SECOND) {
      const mid = lo + Math.floor((hi - lo) / (2 * SECOND)) * SECOND;
      if (intlOffsetSeconds(mid, zone) === off) lo = mid;
      else hi = mid;
    }
    const after = intlOffsetSeconds(hi, zone);
    transitions.push({ at: hi, before: off, after });
    t = hi;
    off = after;
  }
  return { initial, transitions };
}

function yearTable(zone: string, year: number): YearTable {
  let years = tables.get(zone);
  if (!years) {
    assertZone(zone);
    years = new Map();
    bounded(tables, MAX_ZONES).set(zone, years);
  }
  let table = years.get(year);
  if (!table) {
    table = scanYear(zone, year);
    bounded(years, MAX_YEARS_PER_ZONE).set(year, table);
  }
  return table;
}

/** The UTC calendar year of an instant, without allocating a Date. */
function utcYear(ms: number): number {
  let y = Math.floor(ms / 31_556_952_000) + 1970;
  if (Date.UTC(y, 0, 1) > ms) y--;
  else if (Date.UTC(y + 1, 0, 1) <= ms) y++;
  return y;
}

/** UTC offset of `zone` at an instant, in seconds east of UTC. Throws for an unsupported zone. */
export function offsetSecondsAt(epochMs: number, zone: string): number {
  const { initial, transitions } = yearTable(zone, utcYear(epochMs));
  let lo = 0;
  let hi = transitions.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((transitions[mid] as Transition).at <= epochMs) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? initial : (transitions[lo - 1] as Transition).after;
}

/** Transitions of `zone` with `from <= at < to`, ascending. */
export function transitionsBetween(zone: string, from: number, to: number): Transition[] {
  const out: Transition[] = [];
  if (to <= from) return out;
  for (let y = utcYear(from), end = utcYear(to - 1); y <= end; y++) {
    for (const tr of yearTable(zone, y).transitions) if (tr.at >= from && tr.at < to) out.push(tr);
  }
  return out;
}
