/**
 * Where a zone's rules come from. Everything that turns a wall time into an instant or writes a VTIMEZONE reads
 * one {@link ZoneRulesSource} (installed with `setZoneRulesSource`), so one feed can never carry two answers.
 * The default is the runtime's own tz data through `Intl` ({@link intlZoneRules}: ICU on Node, what workerd
 * carries on Workers); a host can install newer data (Node reads the system's compiled zoneinfo,
 * `src/node/host-zone-rules.ts`). `Intl` only answers "what is the wall clock at instant t", so its spans are found
 * by sampling each day and bisecting to the exact second.
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

/** A zone's offsets over a range: the offset just before the range, and its changes in the range. */
export interface ZoneSpan {
  /** Offset (seconds east of UTC) in force just before `from`. */
  initial: number;
  /** Changes with `from <= at < to`, ascending, each a real change of offset. */
  transitions: Transition[];
}

/** A source of time-zone rules: one tz release, all zones. */
export interface ZoneRulesSource {
  /** What it reads: `icu` (the runtime's `Intl`) or `system` (the host's compiled zoneinfo). */
  readonly name: string;
  /** The tz release, such as `2026f` (`unknown` when the runtime does not say). */
  readonly version: string;
  /** `zone`'s offsets over [from, to) (ms), or `null` when this source does not have the zone. */
  span(zone: string, from: number, to: number): ZoneSpan | null;
}

const SECOND = 1000;
const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();
const FORMATTED = /^(\d{2})\/(\d{2})\/(\d{4,}), (\d{2}):(\d{2}):(\d{2})$/;

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
    if (formatters.size >= 1024) formatters.clear();
    formatters.set(zone, f);
  }
  return f;
}

/** Offset in seconds of `zone` at a whole-second instant, straight from `Intl` (the runtime's tz data). */
export function intlOffsetSeconds(atMs: number, zone: string): number {
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

/**
 * The span of a zone over [from, to) from a point-wise offset function: one sample a day, then bisection to the
 * exact second of each change (a change undone within the same day would be missed; none is known since 1970).
 */
export function scanSpan(offsetAt: (atMs: number) => number, from: number, to: number): ZoneSpan {
  const last = to - SECOND;
  let t = from - SECOND;
  let off = offsetAt(t);
  const initial = off;
  const transitions: Transition[] = [];
  while (t < last) {
    const probe = Math.min(t + DAY_MS, last);
    const o = offsetAt(probe);
    if (o === off) {
      t = probe;
      continue;
    }
    let lo = t;
    let hi = probe;
    while (hi - lo > SECOND) {
      const mid = lo + Math.floor((hi - lo) / (2 * SECOND)) * SECOND;
      if (offsetAt(mid) === off) lo = mid;
      else hi = mid;
    }
    const after = offsetAt(hi);
    transitions.push({ at: hi, before: off, after });
    t = hi;
    off = after;
  }
  return { initial, transitions };
}

/** The runtime's own tz data through `Intl`, as a source; `version` is what the runtime reports, if anything. */
export function intlZoneRules(version: string): ZoneRulesSource {
  return {
    name: "icu",
    version,
    span: (zone, from, to) => scanSpan((at) => intlOffsetSeconds(at, zone), from, to),
  };
}
