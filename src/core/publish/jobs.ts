/**
 * Regeneration jobs: progress an admin can poll (`GET /admin/jobs/{id}`), kept in memory, newest 200.
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
  startedAt: string | null;
  finishedAt: string | null;
  errors: { scope: string; message: string }[];
}

const KEEP = 200;

/** A bounded registry of jobs by id. */
export class JobRegistry {
  readonly #jobs = new Map<string, Job>();

  create(id: string, total: number): Job {
    const job: Job = {
      id,
      state: "queued",
      done: 0,
      total,
      updated: 0,
      startedAt: null,
      finishedAt: null,
      errors: [],
    };
    this.#jobs.set(id, job);
    while (this.#jobs.size > KEEP) this.#jobs.delete(this.#jobs.keys().next().value!);
    return job;
  }

  get(id: string): Job | null {
    const job = this.#jobs.get(id);
    return job ? structuredClone(job) : null;
  }
}
