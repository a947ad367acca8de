/**
 * How a roll or a regeneration is cut into units: one per schedule, in two passes, so a person listed in several
 * schedules gets one new version of their feed, never one assembled from some new and some old pieces.
 */
import type { ScheduleRow } from "../store/schedules-table.ts";
import { RefreshScope } from "../publish/refresh-scope.ts";

/** One unit of a job: one schedule, and what of it to render again, in pass 1 or 2. */
export interface PlannedUnit {
  pass: 1 | 2;
  org: string;
  schedule: string;
  scope: RefreshScope;
  /** Feeds it covers (its people, and its schedule feed when in scope): the job's progress counts these. */
  feeds: number;
}

/**
 * Units over whole schedules, in two passes: every schedule's pieces (and schedule feed) first, then people's
 * feeds from the finished pieces — so a person in several schedules gets one new version, never one assembled from
 * some new and some old pieces.
 */
export function twoPasses(
  org: string,
  schedules: readonly ScheduleRow[],
  force: boolean,
  piecesFirst = false,
): PlannedUnit[] {
  return [
    ...schedules.map((s): PlannedUnit => ({
      pass: 1,
      org,
      schedule: s.schedule,
      scope: RefreshScope.renderPass(force, piecesFirst ? "none" : "single"),
      feeds: 0,
    })),
    ...schedules.map((s): PlannedUnit => ({
      pass: 2,
      org,
      schedule: s.schedule,
      scope: RefreshScope.assemblePass(force, piecesFirst ? "all" : "shared"),
      feeds: s.people + 1,
    })),
  ];
}

/**
 * Units in the order they may run one at a time: every pass-1 unit before any pass-2 unit (a runtime that runs
 * a job's units one by one, in order, keeps the two-pass promise with this order alone).
 */
export function inPassOrder(units: readonly PlannedUnit[]): PlannedUnit[] {
  return passes(units).flat();
}

/** Units grouped by pass, in order: a runner that runs units at once finishes each pass before the next. */
export function passes(units: readonly PlannedUnit[]): PlannedUnit[][] {
  return [units.filter((u) => u.pass === 1), units.filter((u) => u.pass === 2)].filter((p) => p.length > 0);
}
