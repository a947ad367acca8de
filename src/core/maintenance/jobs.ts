/**
 * Regeneration jobs: progress an admin can poll (`GET /admin/jobs/{id}`), kept in memory.
 *
 * A job stays visible while it is queued or running and for {@link JOB_RETENTION_MS} after it finished (at
 * most {@link MAX_FINISHED_JOBS} finished jobs are kept); queued and running jobs are bounded by the queue, not
 * evicted, so a `Location` handed out for a live job always answers.
 */

export type JobState = "queued" | "running" | "succeeded" | "failed";

/** What `GET /admin/jobs/{id}` answers. Times are RFC 3339 UTC. */
export interface Job {
  id: string;
  state: JobState;
  done: number;
  total: number;
  /** Feeds whose bytes changed. */
  updated: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  errors: { scope: string; message: string }[];
  /**
   * Set on Workers while the job waits on failing background work (its organization's alarms fail and are tried
   * again with growing waits): how many failed in a row, the last error, and when the next try is.
   */
  retry?: { failures: number; lastError: string; failedAt: string; nextAttemptAt: string };
}

/** How long a finished job stays visible, in milliseconds (1 hour). */
export const JOB_RETENTION_MS = 60 * 60 * 1000;
/** Most finished jobs kept (the oldest go first). */
export const MAX_FINISHED_JOBS = 1000;

/** Jobs by id, with retention of finished ones. */
export class JobRegistry {
  readonly #jobs = new Map<string, { job: Job; finishedMs: number | null }>();
  readonly #clock: () => number;

  constructor(clock: () => number) {
    this.#clock = clock;
  }

  /** A new queued job. */
  create(id: string, total: number): Job {
    this.#prune();
    const job: Job = {
      id,
      state: "queued",
      done: 0,
      total,
      updated: 0,
      createdAt: new Date(this.#clock()).toISOString(),
      startedAt: null,
      finishedAt: null,
      errors: [],
    };
    this.#jobs.set(id, { job, finishedMs: null });
    return job;
  }

  /** Marks a job running. */
  start(job: Job): void {
    job.state = "running";
    job.startedAt = new Date(this.#clock()).toISOString();
  }

  /** Marks a job finished: `failed` when it recorded errors, else `succeeded`. */
  finish(job: Job): void {
    const now = this.#clock();
    job.state = job.errors.length > 0 ? "failed" : "succeeded";
    job.finishedAt = new Date(now).toISOString();
    const slot = this.#jobs.get(job.id);
    if (slot) slot.finishedMs = now;
    this.#prune();
  }

  /** A copy of a job's current progress, or `null` once it is unknown or expired. */
  get(id: string): Job | null {
    this.#prune();
    const slot = this.#jobs.get(id);
    return slot ? structuredClone(slot.job) : null;
  }

  /** Drops finished jobs past their retention, then the oldest finished ones beyond the cap. */
  #prune(): void {
    const cutoff = this.#clock() - JOB_RETENTION_MS;
    let finished = 0;
    for (const slot of this.#jobs.values()) if (slot.finishedMs !== null) finished++;
    for (const [id, slot] of this.#jobs) {
      if (slot.finishedMs === null) continue;
      if (slot.finishedMs < cutoff || finished > MAX_FINISHED_JOBS) {
        this.#jobs.delete(id);
        finished--;
      }
    }
  }
}
