/**
 * UTC offsets and transitions of IANA zones, from the installed {@link ZoneRulesSource} (default: the runtime's
 * tz data through `Intl`), cached per zone and year: offset lookups are a binary search in a small transition
 * table instead of a ~3 µs `Intl` format call or a file read. Pure: no clock, no randomness, no process time zone.
 */
import type { Metrics } from "../metrics.ts";
import {
  intlZoneRules,
  scanSpan,
  type Transition,
  type ZoneRulesSource,
  type ZoneSpan,
} from "./zone-source.ts";

export type { Transition } from "./zone-source.ts";

interface YearTable {
  /** Offset (seconds) just before Jan 1 00:00 UTC of the year. */
  initial: number;
  /** Transitions in [Jan 1, next Jan 1) UTC, ascending. */
  transitions: Transition[];
}

export const DAY_MS = 86_400_000;
/** Cap on cached years per zone; the cache is simply reset past it. */
const MAX_YEARS_PER_ZONE = 256;
const MAX_ZONES = 1024;

/**
 * Replaces the source's answer for some zones: given a zone, an instant and what the source says, the offset
 * (seconds) to use instead. A seam to simulate a time-zone rule change (newer tz data) in tests.
 */
export type ZoneRulesOverride = (zone: string, atMs: number, sourceOffsetSeconds: number) => number;

let override: ZoneRulesOverride | null = null;
let runtime: ZoneRulesSource = intlZoneRules("unknown");
let source: ZoneRulesSource = runtime;
let generation = 0;

function rulesChanged(): void {
  tables.clear();
  generation++;
}

/**
 * Installs (or, with `null`, removes) a {@link ZoneRulesOverride} for this thread: every cached table is dropped,
 * and {@link zoneRulesGeneration} moves so caches built from the rules (VTIMEZONEs) are dropped too.
 */
export function setZoneRulesOverride(next: ZoneRulesOverride | null): void {
  override = next;
  rulesChanged();
}

/**
 * Installs the rules this thread renders with: `source` for every zone it has, and `runtime` (the runtime's own
 * `Intl` data, also what names zones) for the others. Every cached table is dropped. Default: `Intl`, version
 * `unknown`.
 */
export function setZoneRulesSource(next: ZoneRulesSource, runtimeRules: ZoneRulesSource = next): void {
  source = next;
  runtime = runtimeRules;
  rulesChanged();
}

/** The source in use and the runtime's own release: `/healthz`, the metrics and the start-up check show them. */
export function zoneRulesInUse(): { source: string; version: string; runtime: string } {
  return { source: source.name, version: source.version, runtime: runtime.version };
}

/** The tz data in use as `/metrics` shows it: `shiftfeed_tz_data{source,version,runtime} 1` (Node and Workers). */
export function exposeZoneRulesMetric(
  metrics: Pick<Metrics, "family">,
  rules: { source: string; version: string; runtime: string } = zoneRulesInUse(),
): void {
  const { source, version, runtime } = rules;
  metrics.family(
    "shiftfeed_tz_data",
    "The tz data release feeds are rendered with (1), by source",
    "gauge",
    () => [[{ source, version, runtime }, 1]],
  );
}

/** Moves whenever the rules in force change (see {@link setZoneRulesOverride}). */
export function zoneRulesGeneration(): number {
  return generation;
}

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

/** `zone`'s offsets over [from, to) from the installed source, or the runtime's when the source lacks the zone. */
function read(zone: string, from: number, to: number): ZoneSpan {
  const span = source.span(zone, from, to) ?? runtime.span(zone, from, to);
  if (span === null) throw new RangeError(`unsupported time zone \`${zone}\``);
  return span;
}

/** The offsets in force for `zone` over [from, to): the source's, with the override applied when there is one. */
function spanOf(zone: string, from: number, to: number): ZoneSpan {
  if (override === null) return read(zone, from, to);
  const rule = override;
  // Point-wise over the source's own answer (one day of margin each side of the scanned range).
  const wide = read(zone, from - DAY_MS, to + DAY_MS);
  const plain = (at: number) => {
    let off = wide.initial;
    for (const t of wide.transitions) if (t.at <= at) off = t.after;
    return off;
  };
  return scanSpan((at) => rule(zone, at, plain(at)), from, to);
}

function scanYear(zone: string, year: number): YearTable {
  return spanOf(zone, Date.UTC(year, 0, 1), Date.UTC(year + 1, 0, 1));
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
