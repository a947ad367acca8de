/**
 * Jobs of an organization's Durable Object, kept in its SQLite storage so that they survive eviction and answer
 * `GET /admin/jobs/{id}` from whichever isolate asks: a publish's fan-out, a regeneration, the daily roll, the
 * refresh after an organization was renamed.
 *
 * A job is a list of **steps**, each one unit of the core (`FeedService.refresh`) over one schedule and at most
 * one batch of its people, so that no invocation holds more than a batch's rendered feeds in memory or spends
 * more than a batch's CPU time. The Durable Object runs one step per alarm (`org-object.ts`). A step is marked
 * attempted before it runs; one that keeps failing (an exceeded limit kills the invocation without an error)
 * is given up after {@link MAX_ATTEMPTS} and recorded in the job's errors.
 */
import { ServiceError } from "../core/errors.ts";
import { JOB_RETENTION_MS, type Job, type JobState } from "../core/maintenance/jobs.ts";
import { MAX_PENDING_JOBS, type PlannedUnit } from "../core/maintenance/maintenance.ts";
import { parseRefreshScope, RefreshScope, rendersPieces } from "../core/publish/refresh-scope.ts";
import { num, text, type SqlPort, type SqlRow } from "../core/store/sql-port.ts";

/** One step: a unit over one schedule, and how many feeds it brings up to date (the job's progress). */
export interface JobStep {
  org: string;
  schedule: string;
  scope: RefreshScope;
  feeds: number;
}

/** What kind of work a job is; publish fan-outs run before anything else queued. */
export type JobKind = "publish" | "regenerate" | "roll" | "refresh";

/** Attempts of one step before it is given up. */
export const MAX_ATTEMPTS = 3;

const TABLES = [
  `CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, kind TEXT NOT NULL, merge_key TEXT, state TEXT NOT NULL,
    done INTEGER NOT NULL, total INTEGER NOT NULL, updated INTEGER NOT NULL, created_ms INTEGER NOT NULL,
    started_ms INTEGER, finished_ms INTEGER, errors TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS job_steps (job TEXT NOT NULL, n INTEGER NOT NULL, org TEXT NOT NULL, schedule TEXT NOT NULL,
    scope TEXT NOT NULL, feeds INTEGER NOT NULL, attempts INTEGER NOT NULL, finished INTEGER NOT NULL,
    PRIMARY KEY (job, n))`,
];

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const maybe = (row: SqlRow, column: string) => (row[column] === null ? null : num(row, column));

function toJob(row: SqlRow): Job {
  return {
    id: text(row, "id"),
    state: text(row, "state") as JobState,
    done: num(row, "done"),
    total: num(row, "total"),
    updated: num(row, "updated"),
    createdAt: iso(num(row, "created_ms"))!,
    startedAt: iso(maybe(row, "started_ms")),
    finishedAt: iso(maybe(row, "finished_ms")),
    errors: JSON.parse(text(row, "errors")) as Job["errors"],
  };
}

/** Splits a planned unit over a schedule's people into steps of at most `batch` people each. */
export function batchUnit(unit: PlannedUnit, people: readonly string[], batch: number): JobStep[] {
  const { scope } = unit;
  if (scope.people !== undefined || people.length <= batch) {
    return [{ org: unit.org, schedule: unit.schedule, scope, feeds: unit.feeds }];
  }
  const steps: JobStep[] = [];
  for (let i = 0; i < people.length; i += batch) {
    const slice = people.slice(i, i + batch);
    const feeds = unit.feeds === 0 ? 0 : slice.length;
    steps.push({ org: unit.org, schedule: unit.schedule, scope: RefreshScope.batch(scope, slice), feeds });
  }
  // Rendering units end with one pass over the whole schedule (see `RefreshScope.closing`).
  if (rendersPieces(scope)) {
    const last = RefreshScope.closing(scope);
    steps.push({ org: unit.org, schedule: unit.schedule, scope: last, feeds: unit.feeds === 0 ? 0 : 1 });
  }
  return steps;
}

export class DurableJobs {
  readonly #sql: SqlPort;
  readonly #clock: () => number;
  /** A new job id for an organization (`org-object.ts` makes ids that name it, to route by). */
  readonly #newId: (org: string) => string;
  /** Told when a job was created (the Durable Object then sets its alarm). */
  readonly #onQueued: () => void;

  constructor(sql: SqlPort, clock: () => number, newId: (org: string) => string, onQueued: () => void) {
    this.#sql = sql;
    this.#clock = clock;
    this.#newId = newId;
    this.#onQueued = onQueued;
    sql.transaction(() => {
      for (const statement of TABLES) sql.run(statement);
    });
  }

  /**
   * Queues a job of steps and returns it. A job with the same `mergeKey` still queued is returned instead (the
   * same regeneration asked twice). Regenerations are refused past {@link MAX_PENDING_JOBS} pending jobs.
   */
  create(org: string, kind: JobKind, steps: readonly JobStep[], mergeKey: string | null = null): Job {
    const sql = this.#sql;
    return sql.transaction(() => {
      this.#prune();
      if (mergeKey !== null) {
        const same = sql.all("SELECT * FROM jobs WHERE merge_key = ? AND state = 'queued'", mergeKey)[0];
        if (same) return toJob(same);
      }
      const pending = num(
        sql.all("SELECT count(*) AS n FROM jobs WHERE state IN ('queued', 'running')")[0]!,
        "n",
      );
      if (kind === "regenerate" && pending >= MAX_PENDING_JOBS) {
        throw new ServiceError(
          "unavailable",
          `${pending} regenerations are already queued or running; try again later.`,
          [],
          {},
          { "retry-after": "30" },
        );
      }
      const id = this.#newId(org);
      const total = steps.reduce((n, s) => n + s.feeds, 0);
      sql.run(
        `INSERT INTO jobs (id, kind, merge_key, state, done, total, updated, created_ms, errors)
         VALUES (?, ?, ?, 'queued', 0, ?, 0, ?, '[]')`,
        id,
        kind,
        mergeKey,
        total,
        this.#clock(),
      );
      steps.forEach((s, n) =>
        sql.run(
          `INSERT INTO job_steps (job, n, org, schedule, scope, feeds, attempts, finished) VALUES (?, ?, ?, ?, ?, ?, 0, 0)`,
          id,
          n,
          s.org,
          s.schedule,
          JSON.stringify(s.scope),
          s.feeds,
        ),
      );
      if (steps.length === 0) this.#finish(id);
      this.#onQueued();
      return toJob(sql.all("SELECT * FROM jobs WHERE id = ?", id)[0]!);
    });
  }

  /** A job's progress, or `null` once unknown or expired. */
  job(id: string): Job | null {
    const row = this.#sql.all("SELECT * FROM jobs WHERE id = ?", id)[0];
    if (!row) return null;
    const finished = maybe(row, "finished_ms");
    if (finished !== null && finished < this.#clock() - JOB_RETENTION_MS) return null;
    return toJob(row);
  }

  /** Whether any job has a step left. */
  pending(): boolean {
    return this.#sql.all("SELECT 1 AS one FROM jobs WHERE state IN ('queued', 'running') LIMIT 1").length > 0;
  }

  /**
   * Runs the next step of the first job (publish fan-outs first, then in the order queued).
   * @param run runs a step's unit; resolves to the number of feeds whose bytes changed.
   * @returns whether steps are left.
   */
  async runNext(run: (step: JobStep) => Promise<number>): Promise<boolean> {
    const sql = this.#sql;
    const next = sql.transaction(() => {
      const job = sql.all(
        `SELECT id, started_ms FROM jobs WHERE state IN ('queued', 'running')
         ORDER BY kind <> 'publish', created_ms, id LIMIT 1`,
      )[0];
      if (!job) return null;
      const id = text(job, "id");
      if (job["started_ms"] === null)
        sql.run("UPDATE jobs SET state = 'running', started_ms = ? WHERE id = ?", this.#clock(), id);
      const step = sql.all(
        "SELECT * FROM job_steps WHERE job = ? AND finished = 0 ORDER BY n LIMIT 1",
        id,
      )[0];
      if (!step) {
        this.#finish(id);
        return { id, step: null };
      }
      const n = num(step, "n");
      const attempts = num(step, "attempts") + 1;
      sql.run("UPDATE job_steps SET attempts = ? WHERE job = ? AND n = ?", attempts, id, n);
      const parsed: JobStep = {
        org: text(step, "org"),
        schedule: text(step, "schedule"),
        scope: parseRefreshScope(text(step, "scope")),
        feeds: num(step, "feeds"),
      };
      return { id, n, attempts, step: parsed };
    });
    if (next === null) return false;
    if (next.step === null) return this.pending();
    const { id, n, step } = next;
    let updated = 0;
    let error: string | null = null;
    if (next.attempts > MAX_ATTEMPTS) error = `given up after ${MAX_ATTEMPTS} attempts`;
    else {
      try {
        updated = await run(step);
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      }
    }
    sql.transaction(() => {
      sql.run("UPDATE job_steps SET finished = 1 WHERE job = ? AND n = ?", id, n);
      sql.run(
        "UPDATE jobs SET done = min(total, done + ?), updated = updated + ? WHERE id = ?",
        step.feeds,
        updated,
        id,
      );
      if (error !== null) {
        const row = sql.all("SELECT errors FROM jobs WHERE id = ?", id)[0]!;
        const errors = JSON.parse(text(row, "errors")) as Job["errors"];
        errors.push({ scope: step.schedule, message: error });
        sql.run("UPDATE jobs SET errors = ? WHERE id = ?", JSON.stringify(errors.slice(-100)), id);
      }
      if (sql.all("SELECT 1 AS one FROM job_steps WHERE job = ? AND finished = 0", id).length === 0)
        this.#finish(id);
    });
    return this.pending();
  }

  /** Marks a job finished: `failed` with errors, else `succeeded` (all its feeds done); its steps go. */
  #finish(id: string): void {
    const row = this.#sql.all("SELECT errors FROM jobs WHERE id = ?", id)[0]!;
    const failed = (JSON.parse(text(row, "errors")) as unknown[]).length > 0;
    this.#sql.run(
      `UPDATE jobs SET state = ?, finished_ms = ?, done = CASE WHEN ? THEN done ELSE total END WHERE id = ?`,
      failed ? "failed" : "succeeded",
      this.#clock(),
      failed ? 1 : 0,
      id,
    );
    this.#sql.run("DELETE FROM job_steps WHERE job = ?", id);
  }

  /** Drops jobs finished longer ago than the retention. */
  #prune(): void {
    this.#sql.run("DELETE FROM jobs WHERE finished_ms < ?", this.#clock() - JOB_RETENTION_MS);
  }
}
