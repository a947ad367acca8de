/**
 * Time-zone data updates on Workers. A Worker renders with its runtime's own tz data (`Intl`), which changes
 * whenever Cloudflare updates the runtime (whatever the compatibility date) and tells no release name
 * (`process.versions.tz` is empty in workerd). So an organization's Durable Object records, as Node's database does
 * (`meta.zone_rules`, `src/core/maintenance/zone-rules-check.ts`), a fingerprint of the rules of every zone it
 * uses — a zone newly in use is recorded when its schedule is published, with the rules it was rendered with —
 * and compares them on the cron's roll: the zones whose fingerprint moved — and zones never recorded (schedules
 * published before any record), whose rendering data is unknown — have their schedules rendered again as a job
 * (every event, one step per alarm: the feeds whose bytes change get new validators, the others keep theirs), and
 * the new fingerprints are recorded with the job, which survives eviction and retries its steps. The job is noted
 * as owed (`meta.zone_rules_pending`) until a roll finds it finished: one that failed (a step given up after its
 * attempts) or is gone has its zones marked moved again, so the next roll queues them again, as a failed
 * re-rendering on Node leaves its record for the next start.
 *
 * A runtime's tz data cannot change while an instance lives, so the comparison runs once per instance (its
 * first roll: about 0.1 s per zone in use, mostly the zone's tables every render reads anyway) and again only when
 * the zones in use change or the rules in force do (`zoneRulesGeneration`); other rolls read one list of zones.
 */
import type { Job, JobState } from "../core/maintenance/jobs.ts";
import type { PlannedUnit } from "../core/maintenance/maintenance.ts";
import {
  compareZoneRules,
  readZoneRules,
  writeZoneRules,
  type ZoneRulesChange,
} from "../core/maintenance/zone-rules-check.ts";
import type { Logger } from "../core/logger.ts";
import { liveZones } from "../core/store/schedules-table.ts";
import { readMeta, writeMeta } from "../core/store/schema.ts";
import type { SqlPort } from "../core/store/sql-port.ts";
import { zoneRulesGeneration, zoneRulesInUse } from "../core/time/zone-offsets.ts";
import { zoneRulesDigest } from "../core/time/zone-rules.ts";

/** What a recheck found and queued: the change (as Node logs it) and the job rendering the zones again. */
export interface ZoneRecheck {
  change: ZoneRulesChange;
  /** The job rendering the schedules of `moved` and `unrecorded` again; `null` when neither names a zone. */
  job: Job | null;
}

export interface ZoneRecheckDeps {
  sql: SqlPort;
  logger: Logger;
  /** The units rendering every live schedule of these zones again (`Maintenance.planZones`). */
  plan: (zones: readonly string[]) => PlannedUnit[];
  /** Queues units as one job (the Durable Object cuts them into steps). */
  queue: (units: readonly PlannedUnit[]) => Job;
  /** A job's state, or `null` when the organization no longer has it. */
  jobState: (id: string) => JobState | null;
}

/** The re-rendering a recheck queued and has not yet seen finish. */
interface OwedRendering {
  job: string;
  zones: string[];
}

const OWED_KEY = "zone_rules_pending";

/** A fingerprint no zone's rules have: the zone's feeds are owed a rendering under the rules in force. */
const OWED = "";

/** The tz data label recorded with the fingerprints: `icu:unknown` on Workers (the runtime names no release). */
function label(): string {
  const { source, version } = zoneRulesInUse();
  return `${source}:${version}`;
}

/**
 * One organization's tz data recheck, compared at most once per rules in force and zones in use ({@link recheck}).
 */
export class ZoneRulesWatch {
  /** The rules generation and zones last compared without error. */
  #checked: string | null = null;

  /**
   * After a change to the organization (and when its object is built): an organization with no schedule starts
   * its record, empty; a zone in use that an existing record lacks has only schedules published since the record
   * was written, rendered with the rules in force, so its fingerprint is recorded at once (about 0.1 s the first
   * time an isolate reads the zone) rather than its feeds rendered again at the next roll. An organization whose
   * schedules predate any record keeps none here: its next roll renders them all again, once.
   */
  noteRendered(sql: SqlPort): void {
    const zones = liveZones(sql);
    const record = readZoneRules(sql);
    if (record === null) {
      if (zones.length === 0) writeZoneRules(sql, { version: label(), zones: {} });
      return;
    }
    const missing = zones.filter((zone) => record.zones[zone] === undefined);
    if (missing.length === 0) return;
    for (const zone of missing) record.zones[zone] = zoneRulesDigest(zone);
    writeZoneRules(sql, record);
  }

  /**
   * Compares the recorded fingerprints with the runtime's rules when the rules in force or the zones in use changed
   * since the last comparison; `null` when nothing was compared or nothing moved. Logs `tz_rules_check` and
   * `tz_rules_queued` when a zone moved (or was never recorded); writes the record only when it changes. Never
   * throws: a failure is logged (`tz_rules_check_failed`) and compared again at the next roll.
   */
  recheck(deps: ZoneRecheckDeps): ZoneRecheck | null {
    try {
      return this.#compare(deps);
    } catch (error) {
      // The roll goes on; the next roll compares again (nothing was recorded as compared).
      deps.logger.error("tz_rules_check_failed", { error: String(error) });
      return null;
    }
  }

  /**
   * Settles the re-rendering last queued: `true` while it still runs (nothing is compared meanwhile). Once it
   * failed, or is gone, its zones' fingerprints are marked owed so the comparison finds them moved again.
   */
  #settleOwed(deps: ZoneRecheckDeps): boolean {
    const { sql, logger } = deps;
    const text = readMeta(sql, OWED_KEY);
    if (text === null || text === "") return false;
    const owed = JSON.parse(text) as OwedRendering;
    const state = deps.jobState(owed.job);
    if (state === "queued" || state === "running") return true;
    // Each write alone is safe to repeat: an eviction between them settles the same job again at the next roll.
    if (state !== "succeeded") {
      const record = readZoneRules(sql);
      if (record !== null) {
        for (const zone of owed.zones) if (record.zones[zone] !== undefined) record.zones[zone] = OWED;
        writeZoneRules(sql, record);
      }
      logger.warn("tz_rules_retry", { zones: owed.zones, job: owed.job, state: state ?? "gone" });
      this.#checked = null;
    }
    writeMeta(sql, OWED_KEY, "");
    return false;
  }

  #compare(deps: ZoneRecheckDeps): ZoneRecheck | null {
    const { sql, logger } = deps;
    if (this.#settleOwed(deps)) return null;
    const key = `${zoneRulesGeneration()}|${liveZones(sql).join(",")}`;
    if (this.#checked === key) return null;
    const version = label();
    const found = compareZoneRules(sql, version, true);
    if (found === null) return null; // (a forced comparison always answers)
    const { change, record } = found;
    const again = [...change.moved, ...change.unrecorded].sort();
    let result: ZoneRecheck | null = null;
    if (again.length > 0) {
      logger.info("tz_rules_check", { ...change });
      const units = deps.plan(again);
      const job = units.length === 0 ? null : deps.queue(units);
      logger.info("tz_rules_queued", { zones: again, job: job?.id ?? null });
      result = { change, job };
    }
    if (again.length > 0 || change.from !== version) {
      // The job first: an eviction before the record is written leaves a comparison that queues the zones again.
      if (result?.job) writeMeta(sql, OWED_KEY, JSON.stringify({ job: result.job.id, zones: again }));
      writeZoneRules(sql, record);
    }
    this.#checked = key;
    return result;
  }
}
