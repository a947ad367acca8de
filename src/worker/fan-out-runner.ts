/**
 * The unit runner of an organization's Durable Object: the core's in-process runner, except that a publish too
 * big for one invocation fans out. A snapshot listing at most `batch` people is published exactly as on Node (one
 * transaction: state, pieces and feeds; `200` with counts). A bigger one commits its new state alone
 * (`RefreshScope.stateOnly()`: the previous revision keeps serving), and a job then brings its people's pieces and feeds up to
 * date `batch` at a time, one step per Durable Object alarm, ending with one pass over the whole schedule
 * (its schedule feed, people it no longer lists). Every feed is always wholly one revision or the other; the
 * publish answers `202` with the job.
 *
 * An organization renamed by a publish gets its other schedules refreshed by a job too, rather than in the
 * background of the request (which nothing would keep alive, and which would not be batched).
 */
import { ServiceError } from "../core/errors.ts";
import type { PlannedUnit } from "../core/maintenance/maintenance.ts";
import { RefreshScope } from "../core/publish/refresh-scope.ts";
import { publishUnit, type UnitResult } from "../core/publish/schedule-unit.ts";
import type { UnitDeps, UnitOptions } from "../core/publish/unit-deps.ts";
import { createInProcessRunner, type UnitRunner } from "../core/publish/unit-runner.ts";
import { ingestSnapshot, type IngestTarget } from "../core/snapshot/ingest.ts";
import { bigWork } from "./isolate-gate.ts";
import { piecesOfSchedule } from "../core/store/pieces-table.ts";
import { liveSchedules } from "../core/store/schedules-table.ts";
import { batchUnit, type DurableJobs, type JobStep } from "./durable-jobs.ts";

/** The steps that refresh every live schedule of `org` but `except`, in batches (after a rename). */
export function refreshOthersSteps(deps: UnitDeps, org: string, except: string, batch: number): JobStep[] {
  return liveSchedules(deps.sql, org)
    .filter((s) => s.schedule !== except)
    .flatMap((s) => {
      const unit: PlannedUnit = {
        pass: 1,
        org,
        schedule: s.schedule,
        scope: RefreshScope.whole(),
        feeds: s.people + 1,
      };
      const people = piecesOfSchedule(deps.sql, org, s.schedule).map((p) => p.person);
      return batchUnit(unit, people, batch);
    });
}

/**
 * @param batch people per invocation.
 */
export function createFanOutRunner(deps: UnitDeps, jobs: DurableJobs, batch: number): UnitRunner {
  const inner = createInProcessRunner(deps);
  /** Queues the refresh of the other schedules when the organization's name or tier changed. */
  const settle = (result: UnitResult, org: string, schedule: string): UnitResult => {
    if (!result.orgChanged) return result;
    jobs.create(org, "refresh", refreshOthersSteps(deps, org, schedule, batch));
    return { ...result, orgChanged: false };
  };
  return {
    ...inner,
    // Ingest and staging hold a whole snapshot: one at a time in the isolate (`isolate-gate.ts`).
    publish: (bytes, target, options) => bigWork(target.org, () => publish(bytes, target, options)),
  };

  async function publish(
    bytes: Uint8Array,
    target: IngestTarget,
    options?: UnitOptions,
  ): Promise<UnitResult> {
    const ingested = await ingestSnapshot(bytes, target);
    if (!ingested.ok) {
      const { code, message, details } = ingested.error;
      throw new ServiceError(code, message, details);
    }
    const { snapshot, hash } = ingested;
    if (snapshot.people.length <= batch)
      return settle(await publishUnit(deps, snapshot, hash, options), target.org, target.schedule);
    const staged = await publishUnit(deps, snapshot, hash, options, RefreshScope.stateOnly());
    if (staged.unchanged) return staged;
    const unit: PlannedUnit = {
      pass: 1,
      org: target.org,
      schedule: target.schedule,
      scope: RefreshScope.whole(),
      feeds: snapshot.people.length + 1,
    };
    const people = snapshot.people.map((p) => p.id);
    const job = jobs.create(target.org, "publish", batchUnit(unit, people, batch));
    return { ...settle(staged, target.org, target.schedule), job: job.id };
  }
}
