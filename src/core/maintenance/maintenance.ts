/**
 * Work that keeps feeds current without a new snapshot: the daily window roll, and admin-requested
 * regeneration as jobs with visible progress, run one at a time from a bounded queue. A job is a list of units
 * (one per schedule in its scope) kept as busy as the runner allows, so a full regeneration uses every core.
 *
 * This folder is maintenance: everything here runs units of the write path (`../publish/`) without a new
 * snapshot. `maintenance.ts` (here) plans and runs the roll and regenerations; `unit-passes.ts` cuts them into
 * units in two passes; `jobs.ts` is the progress an admin polls; `zone-rules-check.ts` renders again what a
 * time-zone data update moved; `dead-link-backfill.ts` repairs a database written before dead links were kept.
 */
import { ServiceError } from "../errors.ts";
import { localDateOf } from "../time/local-time.ts";
import type { FeedService } from "../publish/feed-service.ts";
import { JobRegistry, type Job } from "./jobs.ts";
import { RefreshScope } from "../publish/refresh-scope.ts";

export type { PlannedUnit } from "./unit-passes.ts";
import { passes, twoPasses, type PlannedUnit } from "./unit-passes.ts";

/** What `POST /admin/regenerate` may name; omitted fields widen the scope. */
export interface RegenerateScope {
  org?: string;
  schedule?: string;
  person?: string;
  /**
   * Render every event again even where its input is unchanged. Without it a regeneration re-derives every feed
   * in scope from its schedule's current state — expanding the snapshot again, re-rendering whatever changed
   * (a renderer or time-zone data upgrade changes the inputs), re-assembling feeds whose pieces changed — and
   * writes back any body the store lost; unchanged input renders to the same bytes, so nothing else moves.
   */
  force?: boolean;
}

/**
 * The key under which requests for the same regeneration join one queued job (Node's queue and a Durable Object's
 * stored jobs alike): the scope's fields, defaults spelled out. Stored with a Durable Object's jobs, so its form
 * does not change.
 */
export function regenerationKey(scope: RegenerateScope): string {
  return JSON.stringify([scope.org ?? null, scope.schedule ?? null, scope.person ?? null, !!scope.force]);
}

/** Most regeneration jobs queued or running at once; past it a request is refused with a `Retry-After`. */
export const MAX_PENDING_JOBS = 16;
/** `Retry-After` (seconds) for a regeneration refused because the queue is full. */
const QUEUE_FULL_RETRY_SECONDS = 30;

export class Maintenance {
  readonly #service: FeedService;
  readonly #newId: () => string;
  readonly #jobs: JobRegistry;
  /** Jobs waiting to run, in order, with the scope each covers. */
  readonly #queue: { job: Job; scope: RegenerateScope; key: string }[] = [];
  #running: Promise<void> | null = null;
  /** Aborted by `close()`: running units stop before they commit, queued jobs never start. */
  readonly #closing = new AbortController();

  constructor(service: FeedService, newId: () => string) {
    this.#service = service;
    this.#newId = newId;
    this.#jobs = new JobRegistry(service.deps.clock);
  }

  /** The units a scope covers. Throws `not_found` for an unknown org, schedule or person. */
  plan(scope: RegenerateScope): PlannedUnit[] {
    if ((scope.schedule !== undefined || scope.person !== undefined) && scope.org === undefined) {
      throw new ServiceError("bad_request", "`org` is required with `schedule` or `person`", [
        { path: "$.org", message: "required when `schedule` or `person` is given" },
      ]);
    }
    const service = this.#service;
    const orgs = scope.org === undefined ? service.orgIds() : [scope.org];
    const units: PlannedUnit[] = [];
    for (const org of orgs) {
      if (!service.org(org)) throw new ServiceError("not_found", `no organization \`${org}\``);
      if (scope.person !== undefined) {
        const person = scope.person;
        const pieces = service
          .personSchedules(org, person)
          .filter((p) => scope.schedule === undefined || p.schedule === scope.schedule);
        if (pieces.length === 0)
          throw new ServiceError("not_found", `no feed for person \`${person}\` in \`${org}\``);
        // The person's piece in each schedule, then their feed once from all of them.
        const force = scope.force === true;
        for (const p of pieces) {
          const render = RefreshScope.personPiece(person, force);
          units.push({ pass: 1, org, schedule: p.schedule, scope: render, feeds: 0 });
        }
        const assemble = RefreshScope.personFeed(person, force);
        units.push({ pass: 2, org, schedule: pieces[0]!.schedule, scope: assemble, feeds: 1 });
        continue;
      }
      const schedules = service
        .schedules(org)
        .filter((s) => scope.schedule === undefined || s.schedule === scope.schedule);
      if (scope.schedule !== undefined && schedules.length === 0) {
        throw new ServiceError("not_found", `no live schedule \`${scope.schedule}\` in \`${org}\``);
      }
      units.push(...twoPasses(org, schedules, scope.force === true));
    }
    return units;
  }

  /**
   * Queues a re-rendering of a scope and returns its job at once. A request for the same scope as a job that is
   * still queued joins that job. Throws `not_found` for an unknown scope and `unavailable` (with `Retry-After`)
   * when {@link MAX_PENDING_JOBS} are already queued or running.
   */
  regenerate(scope: RegenerateScope): Job {
    const units = this.plan(scope);
    const key = regenerationKey(scope);
    if (this.#closing.signal.aborted) {
      throw new ServiceError("unavailable", "The service is shutting down.", [], {}, { "retry-after": "5" });
    }
    const same = this.#queue.find((q) => q.key === key);
    if (same) return { ...same.job };
    const pending = this.#queue.length + (this.#running ? 1 : 0);
    if (pending >= MAX_PENDING_JOBS) {
      throw new ServiceError(
        "unavailable",
        `${pending} regenerations are already queued or running; try again later.`,
        [],
        {},
        { "retry-after": String(QUEUE_FULL_RETRY_SECONDS) },
      );
    }
    const job = this.#jobs.create(
      this.#newId(),
      units.reduce((n, u) => n + u.feeds, 0),
    );
    this.#queue.push({ job, scope, key });
    this.#running ??= this.#drain();
    return { ...job };
  }

  /** A job's current progress, or `null`. */
  job(id: string): Job | null {
    return this.#jobs.get(id);
  }

  /** Runs queued jobs one after another until the queue is empty. */
  async #drain(): Promise<void> {
    for (let next = this.#queue.shift(); next; next = this.#queue.shift())
      await this.#run(next.job, next.scope);
    this.#running = null;
  }

  /** Runs one job; its scope is planned again, since publishes may have changed it while it waited. */
  async #run(job: Job, scope: RegenerateScope): Promise<void> {
    this.#jobs.start(job);
    let units: PlannedUnit[] = [];
    try {
      units = this.plan(scope);
      job.total = units.reduce((n, u) => n + u.feeds, 0);
    } catch (error) {
      job.errors.push({ scope: JSON.stringify(scope), message: messageOf(error) });
    }
    await this.#runPasses(
      units,
      (unit, result) => {
        if (result instanceof Error)
          job.errors.push({ scope: `${unit.org}/${unit.schedule}`, message: messageOf(result) });
        else job.updated += result;
      },
      (n) => {
        job.done = Math.min(job.total, job.done + n);
      },
    );
    if (job.errors.length === 0) job.done = job.total;
    this.#jobs.finish(job);
  }

  /**
   * Runs units pass after pass (see `unit-passes.ts`), each pass with as many units in flight as the runner runs
   * at once: no pass-2 unit starts before every pass-1 unit of the same run has committed (or failed), so nobody's
   * feed is assembled from one schedule's new pieces and another's old ones. Regeneration and roll both run here.
   */
  async #runPasses(
    units: PlannedUnit[],
    settled: (unit: PlannedUnit, result: number | Error) => void,
    onProgress?: (feeds: number) => void,
  ): Promise<void> {
    for (const pass of passes(units)) await this.#runUnits(pass, settled, onProgress);
  }

  /** Runs the units of one pass with as many in flight as the runner runs at once. */
  async #runUnits(
    units: PlannedUnit[],
    settled: (unit: PlannedUnit, result: number | Error) => void,
    onProgress?: (feeds: number) => void,
  ): Promise<void> {
    let next = 0;
    const signal = this.#closing.signal;
    const worker = async () => {
      while (next < units.length && !signal.aborted) {
        const unit = units[next++]!;
        try {
          const result = await this.#service.refresh(unit.org, unit.schedule, unit.scope, {
            signal,
            onProgress,
          });
          settled(unit, result.feedsUpdated);
        } catch (error) {
          settled(unit, error instanceof Error ? error : new Error(String(error)));
        }
      }
    };
    const lanes = Math.max(1, Math.min(this.#service.deps.runner.parallelism, units.length));
    await Promise.all(Array.from({ length: lanes }, worker));
  }

  /** Stops the job runner: queued jobs fail, running units stop before they commit; resolves once they have. */
  async close(): Promise<void> {
    this.#closing.abort(new ServiceError("unavailable", "The service is shutting down."));
    for (const { job } of this.#queue.splice(0)) {
      job.errors.push({ scope: "*", message: "not run: the service shut down" });
      this.#jobs.finish(job);
    }
    await this.#running;
  }

  /**
   * The units of a window roll (see {@link roll}), for a runtime that runs them itself across invocations.
   * @param piecesFirst see {@link roll}.
   */
  planRoll(piecesFirst = false): PlannedUnit[] {
    const now = this.#service.deps.clock();
    const units: PlannedUnit[] = [];
    for (const org of this.#service.orgIds()) {
      const stale = this.#service.schedules(org).filter((s) => s.rolledFor !== localDateOf(now, s.timezone));
      units.push(...twoPasses(org, stale, false, piecesFirst));
    }
    return units;
  }

  /**
   * Rolls the feed window: every live schedule whose zone's calendar date moved since its pieces were rendered
   * is refreshed (only feeds whose window content changed are rendered). Cheap to call often.
   * @param piecesFirst assemble no feed until every stale schedule's pieces are rendered (after a migration, when
   *   no schedule has pieces yet, so who is listed where cannot be told from them).
   * @returns the number of feeds whose bytes changed.
   */
  async roll(piecesFirst = false): Promise<number> {
    return this.#runCounted(this.planRoll(piecesFirst));
  }

  /**
   * Renders every live schedule in these zones again, every event (after their rules changed: the bytes then
   * show the new instants and VTIMEZONEs; feeds whose bytes come out the same keep their validators).
   * @returns the number of feeds whose bytes changed.
   */
  async rerenderZones(zones: readonly string[]): Promise<number> {
    return this.#runCounted(this.planZones(zones));
  }

  /**
   * The units of {@link rerenderZones}: every live schedule in these zones, every event rendered again (for a
   * runtime that runs them itself across invocations).
   */
  planZones(zones: readonly string[]): PlannedUnit[] {
    const units: PlannedUnit[] = [];
    for (const org of this.#service.orgIds()) {
      const affected = this.#service.schedules(org).filter((s) => zones.includes(s.timezone));
      units.push(...twoPasses(org, affected, true));
    }
    return units;
  }

  /** Runs units pass after pass; throws an AggregateError naming every schedule that failed. */
  async #runCounted(units: PlannedUnit[]): Promise<number> {
    let updated = 0;
    const failures: Error[] = [];
    await this.#runPasses(units, (unit, result) => {
      if (typeof result === "number") updated += result;
      else failures.push(new Error(`${unit.org}/${unit.schedule}: ${result.message}`));
    });
    if (failures.length > 0) throw new AggregateError(failures, failures.map((f) => f.message).join("; "));
    return updated;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
