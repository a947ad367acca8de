/**
 * The cron's daily roll over every organization. Each organization's Durable Object plans its own roll and queues
 * it as a job (the work then runs in its alarms), so a call is short, but one after another the cron would take
 * as long as the number of organizations times a call, and a Cron Trigger's invocation has a bounded wall time.
 * The calls therefore run {@link ROLL_PARALLEL} at a time; one organization's failure is logged and the others
 * are rolled all the same (the failed one is asked again by the next cron).
 */
import type { WorkerEnv } from "./env.ts";
import { ORG_PARALLEL, settleInParallel } from "./in-parallel.ts";
import { workerLogger } from "./logger.ts";
import { listOrgs } from "./org-registry.ts";

/** Organizations asked to roll at once (each call is one Durable Object request). */
export const ROLL_PARALLEL = ORG_PARALLEL;

/** What one cron's roll did: organizations asked, and those whose call failed. */
export interface RollSummary {
  orgs: number;
  failed: string[];
}

/** Asks every organization's Durable Object to roll its window (each queues a job only when a date moved). */
export async function rollEverywhere(env: WorkerEnv, parallel = ROLL_PARALLEL): Promise<RollSummary> {
  // Logged here, since with invocation logs off a failed cron leaves no other line (and the next cron tries again).
  const orgs = await listOrgs(env.FEEDS).catch((error: unknown) => {
    workerLogger.error("roll_failed", { error: String(error) });
    throw error;
  });
  const failed = await settleInParallel(orgs, parallel, (org) =>
    env.ORGS.get(env.ORGS.idFromName(org))
      .roll()
      .catch((error: unknown) => {
        workerLogger.error("roll_failed", { org, error: String(error) });
        throw error;
      }),
  );
  workerLogger.info("roll", { orgs: orgs.length, failed: failed.length });
  return { orgs: orgs.length, failed };
}
