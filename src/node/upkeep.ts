/**
 * The main thread's background upkeep: the daily window roll and the deletion of released blobs (at start, then
 * every few minutes, cheap when no calendar day has turned), and once at start the time-zone recheck, which renders
 * again the feeds of every zone whose rules moved under the tz data now in use.
 */
import type { Config } from "../core/config.ts";
import type { Logger } from "../core/logger.ts";
import type { Metrics } from "../core/metrics.ts";
import type { Maintenance } from "../core/maintenance/maintenance.ts";
import { checkZoneRules } from "../core/maintenance/zone-rules-check.ts";
import { collectGarbage } from "../core/store/blob-table.ts";
import type { SqlPort } from "../core/store/sql-port.ts";
import { exposeZoneRules, zoneRulesLabel, type ZoneRulesChoice } from "./host-zone-rules.ts";

/** How often the window roll checks whether a calendar day has turned somewhere (cheap when not). */
const ROLL_CHECK_MS = 5 * 60 * 1000;
/** Released blobs stay readable this long (a reader that has just looked a feed up can still read its body). */
const GARBAGE_GRACE_S = 10 * 60;

export interface UpkeepDeps {
  sql: SqlPort;
  maintenance: Maintenance;
  clock: () => number;
  logger: Logger;
  metrics: Metrics;
  zoneRules: ZoneRulesChoice;
  config: Pick<Config, "tzdir" | "tzdataRecheck">;
}

/**
 * Starts the upkeep; the returned function stops it, waiting for what runs (a long tz re-rendering stops before
 * its next unit, and runs again at the next start).
 */
export function startUpkeep(deps: UpkeepDeps): () => Promise<void> {
  const { sql, maintenance, clock, logger, metrics, zoneRules, config } = deps;
  const upkeep = async () => {
    await maintenance.roll().catch((error: unknown) => logger.error("roll_failed", { error: String(error) }));
    try {
      collectGarbage(sql, Math.floor(clock() / 1000) - GARBAGE_GRACE_S);
    } catch (error) {
      logger.warn("gc_failed", { error: String(error) });
    }
  };
  const first = upkeep();
  exposeZoneRules(zoneRules, logger, metrics, config.tzdir !== null);
  const tz = { version: zoneRulesLabel(zoneRules), force: config.tzdataRecheck };
  const zones = checkZoneRules({ sql, maintenance, logger, ...tz }).catch((error: unknown) =>
    logger.error("tz_rules_check_failed", { error: String(error) }),
  );
  const timer = setInterval(() => void upkeep(), ROLL_CHECK_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await maintenance.close();
    await Promise.all([first, zones]);
  };
}
