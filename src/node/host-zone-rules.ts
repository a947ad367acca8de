/**
 * Time-zone data on Node: the newest tz release the host has. Node's ICU carries the tz release it was built with
 * (`process.versions.tz`), while the system's compiled zoneinfo (`TZDIR`, default `/usr/share/zoneinfo`, kept
 * current by the distribution's `tzdata` package) is often newer: Debian's 2026f keeps Havana on -04 after
 * 2026-11-01 where Node 24.21's 2026c returns it to -05. Feeds follow whichever release is newer (`tzdata.zi`'s
 * `# version` line against `process.versions.tz`); the choice is made once by the main thread and handed to every
 * render and serving thread, so all of them read the same rules. A zone the system files lack (or cannot be
 * read) falls back to the runtime's `Intl` for that zone alone.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../core/logger.ts";
import type { Metrics } from "../core/metrics.ts";
import { parseTzif, tzifSpan, type TzifZone } from "../core/time/tzif.ts";
import { exposeZoneRulesMetric, setZoneRulesSource } from "../core/time/zone-offsets.ts";
import { intlZoneRules, type ZoneRulesSource } from "../core/time/zone-source.ts";

/** The compiled zoneinfo read when `TZDIR` is not set. */
export const DEFAULT_TZDIR = "/usr/share/zoneinfo";

/** What the main thread chose, passed to every thread (plain data: it crosses `workerData`). */
export interface ZoneRulesChoice {
  /** `system` (the host's zoneinfo under `dir`) or `icu` (the runtime's own data). */
  source: "system" | "icu";
  /** The release in use. */
  version: string;
  /** The runtime's own release (`process.versions.tz`). */
  runtime: string;
  /** The system's release, `null` when `dir` has no readable version. */
  system: string | null;
  /** The zoneinfo directory looked at. */
  dir: string;
}

const VERSION = /^(\d{4})([a-z]+)$/;

/**
 * Orders tz release names: by year, then by the letters (`2026f` > `2026c`, `2027a` > `2026z`, `2026za` > `2026z`).
 * Anything else (`unknown`) ranks below every release. Negative, zero or positive as `a` is older, equal or newer.
 */
export function compareTzVersions(a: string | null, b: string | null): number {
  const x = VERSION.exec(a ?? "");
  const y = VERSION.exec(b ?? "");
  if (!x || !y) return (x ? 1 : 0) - (y ? 1 : 0);
  return (
    Number(x[1]) - Number(y[1]) || x[2]!.length - y[2]!.length || (x[2]! < y[2]! ? -1 : x[2]! > y[2]! ? 1 : 0)
  );
}

/** The release of the compiled zoneinfo in `dir` (`tzdata.zi`'s `# version` line, or `+VERSION`), or `null`. */
export function systemTzVersion(dir: string): string | null {
  for (const [file, prefix] of [
    ["tzdata.zi", "# version "],
    ["+VERSION", ""],
  ] as const) {
    try {
      const first = readFileSync(join(dir, file), "utf8").split("\n", 1)[0] ?? "";
      const version = first.startsWith(prefix) ? first.slice(prefix.length).trim() : "";
      if (VERSION.test(version)) return version;
    } catch {
      // not there: try the next file
    }
  }
  return null;
}

/** Zone names that can only name a file inside the directory (the core accepts no other names anyway). */
const SAFE_NAME = /^(?:UTC|[A-Z][A-Za-z0-9_+-]*(?:\/[A-Z][A-Za-z0-9_+-]*){1,2})$/;

/** A source over the TZif files in `dir`, read once per zone and thread; `version` is what `dir` says it holds. */
export function systemZoneRules(dir: string, version: string): ZoneRulesSource {
  const zones = new Map<string, TzifZone | null>();
  const load = (zone: string): TzifZone | null => {
    if (zones.has(zone)) return zones.get(zone) ?? null;
    let parsed: TzifZone | null = null;
    if (SAFE_NAME.test(zone)) {
      try {
        parsed = parseTzif(readFileSync(join(dir, zone)));
      } catch {
        parsed = null; // missing or unreadable: the runtime's data answers for this zone
      }
    }
    zones.set(zone, parsed);
    return parsed;
  };
  return {
    name: "system",
    version,
    span: (zone, from, to) => {
      const parsed = load(zone);
      return parsed === null ? null : tzifSpan(parsed, from, to);
    },
  };
}

/** Chooses the newer of the system's zoneinfo in `dir` and the runtime's own data (the runtime's on a tie). */
export function chooseZoneRules(dir: string, runtime = process.versions.tz ?? "unknown"): ZoneRulesChoice {
  const system = systemTzVersion(dir);
  const newer = system !== null && compareTzVersions(system, runtime) > 0;
  return { source: newer ? "system" : "icu", version: newer ? system : runtime, runtime, system, dir };
}

/** Installs a choice in this thread: every wall time and VTIMEZONE is then computed from it. */
export function installZoneRules(choice: ZoneRulesChoice): void {
  const runtime = intlZoneRules(choice.runtime);
  setZoneRulesSource(
    choice.source === "system" ? systemZoneRules(choice.dir, choice.version) : runtime,
    runtime,
  );
}

/**
 * Logs the choice (`tz_data`) and exposes it as the `shiftfeed_tz_data{source,version,runtime} 1` gauge; a `TZDIR`
 * that was set (`explicit`) but holds no readable release gets one warning naming the setting.
 */
export function exposeZoneRules(
  choice: ZoneRulesChoice,
  logger: Logger,
  metrics: Metrics,
  explicit = false,
): void {
  logger.info("tz_data", { ...choice });
  if (explicit && choice.system === null) {
    logger.warn("tzdir_unreadable", {
      setting: "TZDIR",
      dir: choice.dir,
      error: "no tzdata.zi or +VERSION naming a tz release there: the runtime's own tz data is used",
    });
  }
  exposeZoneRulesMetric(metrics, { source: choice.source, version: choice.version, runtime: choice.runtime });
}

/** The tz data label the database records and compares (`system:2026f`, `icu:2026c`). */
export function zoneRulesLabel(choice: ZoneRulesChoice): string {
  return `${choice.source}:${choice.version}`;
}
