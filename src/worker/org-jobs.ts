/**
 * The jobs an organization's object queues: a regeneration of a scope and the daily roll, each cut into steps the
 * alarm runs one at a time (`durable-jobs.ts`). Kept beside the object rather than in it, so the object holds only
 * what answers calls and alarms.
 */
import type { Job } from "../core/maintenance/jobs.ts";
import { regenerationKey, type PlannedUnit, type RegenerateScope } from "../core/maintenance/maintenance.ts";
import { inPassOrder } from "../core/maintenance/unit-passes.ts";
import { piecesOfSchedule } from "../core/store/pieces-table.ts";
import { batchUnit } from "./durable-jobs.ts";
import type { Parts } from "./org-parts.ts";

/**
 * A job's steps: its units in pass order, each cut into batches of people. Steps run one at a time in this order
 * (one per alarm), so every pass-1 step has committed before the first pass-2 step starts, as on Node.
 */
export function jobSteps(parts: Parts, units: readonly PlannedUnit[]) {
  return inPassOrder(units).flatMap((u) =>
    batchUnit(
      u,
      piecesOfSchedule(parts.sql, u.org, u.schedule).map((p) => p.person),
      parts.batch,
    ),
  );
}

/** Queues a regeneration of `scope` (an equal one already pending is that job: `regenerationKey`). */
export function queueRegeneration(parts: Parts, scope: RegenerateScope): Job {
  const units = parts.maintenance.plan(scope);
  const org = scope.org ?? units[0]?.org ?? "";
  return parts.jobs.create(org, "regenerate", jobSteps(parts, units), regenerationKey(scope));
}

/** Queues the units of a roll (`key`: the one roll of the day, which a second roll finds instead of queuing). */
export function queueRoll(parts: Parts, units: readonly PlannedUnit[], key?: string): Job {
  return parts.jobs.create(units[0]!.org, "roll", jobSteps(parts, units), key);
}
