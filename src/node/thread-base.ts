/**
 * What every thread of the process is started with, whatever it does (serving, rendering, partner ranges): the
 * database it opens a connection of its own to, and the tz data it computes local times with — chosen once by the
 * main thread, so every thread agrees.
 */
import type { ZoneRulesChoice } from "./host-zone-rules.ts";

export interface ThreadBase {
  databasePath: string;
  /** The tz data (`host-zone-rules.ts`), installed by each thread before it computes a local time. */
  zoneRules: ZoneRulesChoice;
}
