/**
 * Time-zone data updates. Feeds are rendered with the tz data in use (the runtime's `Intl`, or on Node the host's
 * zoneinfo when it is newer: `src/node/host-zone-rules.ts`); when an update changes a zone's rules (Morocco's
 * permanent +00, Mexico's end of DST, Cuba staying on -04), feeds already published keep the old instants until
 * something else touches them — a doctor's future shifts an hour off. So the database records the tz data feeds
 * were rendered with (source and release, `system:2026f`), and a fingerprint of the rules of every zone in use
 * (`meta.zone_rules`). At start, when that label differs (the release or the source changed, or a check is forced), the zones whose
 * fingerprint moved — and zones never recorded, whose rendering data is unknown — are logged, exactly the
 * schedules in those zones are rendered again in the background (their feeds whose bytes change get new
 * validators; the others keep theirs), and only then is the new record written: a check cut short by a crash
 * runs again at the next start.
 */
import type { Logger } from "../logger.ts";
import { readMeta, writeMeta } from "../store/schema.ts";
import { liveZones } from "../store/schedules-table.ts";
import type { SqlPort } from "../store/sql-port.ts";
import { zoneRulesDigest } from "../time/zone-rules.ts";
import type { Maintenance } from "./maintenance.ts";

/** What the database records: the tz data version, and each zone's rules fingerprint under it. */
export interface ZoneRulesRecord {
  version: string;
  zones: Record<string, string>;
}

/** What a check found: the versions, the zones whose rules moved, and zones in use with no fingerprint yet. */
export interface ZoneRulesChange {
  from: string | null;
  to: string;
  moved: string[];
  unrecorded: string[];
}

const META_KEY = "zone_rules";

/** The recorded tz data version and fingerprints, or `null` when none was recorded yet. */
export function readZoneRules(sql: SqlPort): ZoneRulesRecord | null {
  const text = readMeta(sql, META_KEY);
  return text === null ? null : (JSON.parse(text) as ZoneRulesRecord);
}

/** Records the tz data version and fingerprints the feeds are now rendered with. */
export function writeZoneRules(sql: SqlPort, record: ZoneRulesRecord): void {
  sql.transaction(() => writeMeta(sql, META_KEY, JSON.stringify(record)));
}

/** Compares the record with the runtime's rules for the zones in use; `null` when there is nothing to check. */
export function compareZoneRules(
  sql: SqlPort,
  version: string,
  force: boolean,
): { change: ZoneRulesChange; record: ZoneRulesRecord } | null {
  const recorded = readZoneRules(sql);
  if (!force && recorded?.version === version) return null;
  const change: ZoneRulesChange = { from: recorded?.version ?? null, to: version, moved: [], unrecorded: [] };
  const record: ZoneRulesRecord = { version, zones: {} };
  for (const zone of liveZones(sql)) {
    const digest = zoneRulesDigest(zone);
    record.zones[zone] = digest;
    const before = recorded?.zones[zone];
    if (before === undefined) change.unrecorded.push(zone);
    else if (before !== digest) change.moved.push(zone);
  }
  return { change, record };
}

export interface ZoneRulesCheckDeps {
  sql: SqlPort;
  maintenance: Pick<Maintenance, "rerenderZones">;
  logger: Logger;
  /** The tz data in use, as recorded: source and release (`system:2026f`, `icu:2026c`). */
  version: string;
  /** Compare every zone's rules even when the version is the one recorded (the `TZDATA_RECHECK` setting). */
  force: boolean;
}

/**
 * Runs the check: logs what moved (unless the database had no record and no zone in use), renders the schedules of the zones that moved (or were never recorded) again,
 * then records the runtime's version and fingerprints. Resolves to what it found (`null`: nothing to check).
 * @throws when re-rendering failed (the record is then left as it was, so the next start tries again).
 */
export async function checkZoneRules(deps: ZoneRulesCheckDeps): Promise<ZoneRulesChange | null> {
  const found = compareZoneRules(deps.sql, deps.version, deps.force);
  if (found === null) return null;
  const { change, record } = found;
  const again = [...change.moved, ...change.unrecorded].sort();
  // A first start on an empty database has nothing to say; every other check is logged.
  if (change.from !== null || again.length > 0) deps.logger.info("tz_rules_check", { ...change });
  if (again.length > 0) {
    const feedsUpdated = await deps.maintenance.rerenderZones(again);
    deps.logger.info("tz_rules_rerendered", { zones: again, feedsUpdated });
  }
  writeZoneRules(deps.sql, record);
  return change;
}
