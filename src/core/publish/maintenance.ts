/**
 * Work that keeps feeds current without a new snapshot: the daily window roll, and admin-requested
 * regeneration as jobs with visible progress, run one at a time from a bounded queue.
 */
import { ServiceError } from "../errors.ts";
import { localDateOf } from "../time/local-time.ts";
import type { FeedService } from "./feed-service.ts";
import { JobRegistry, type Job } from "./jobs.ts";
import { personFeedKey, scheduleFeedKey, type FeedKey } from "./keys.ts";

/** What `POST /admin/regenerate` may name; omitted fields widen the scope. */
export interface RegenerateScope {
  org?: string;
  schedule?: string;
  person?: string;
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
  /** Aborted by `close()`: the running job stops between two feeds, queued ones never start. */
  readonly #closing = new AbortController();
  /** The calendar dates each organization's feeds were last rolled for. */
  readonly #rolledFor = new Map<string, string>();

  constructor(service: FeedService, newId: () => string) {
    this.#service = service;
    this.#newId = newId;
    this.#jobs = new JobRegistry(service.deps.clock);
  }

  /** The feeds a scope covers, by organization. Throws `not_found` for an unknown org, schedule or person. */
  scopeKeys(scope: RegenerateScope): Map<string, FeedKey[]> {
    if ((scope.schedule !== undefined || scope.person !== undefined) && scope.org === undefined) {
      throw new ServiceError("bad_request", "`org` is required with `schedule` or `person`", [
        { path: "$.org", message: "required when `schedule` or `person` is given" },
      ]);
    }
    const orgs = scope.org === undefined ? this.#service.orgIds() : [scope.org];
    const out = new Map<string, FeedKey[]>();
    for (const org of orgs) {
      const state = this.#service.org(org);
      if (!state) throw new ServiceError("not_found", `no organization \`${org}\``);
      let keys = this.#service.feedKeys(org);
      if (scope.schedule !== undefined) {
        const schedule = state.schedules.get(scope.schedule);
        if (!schedule)
          throw new ServiceError("not_found", `no live schedule \`${scope.schedule}\` in \`${org}\``);
        const people = new Set([...schedule.byPerson.keys()].map(personFeedKey));
        keys = keys.filter((k) => k === scheduleFeedKey(scope.schedule!) || people.has(k));
      }
      if (scope.person !== undefined) {
        keys = keys.filter((k) => k === personFeedKey(scope.person!));
        if (keys.length === 0)
          throw new ServiceError("not_found", `no feed for person \`${scope.person}\` in \`${org}\``);
      }
      out.set(org, keys);
    }
    return out;
  }

  /**
   * Queues a re-rendering of a scope and returns its job at once. A request for the same scope as a job that is
   * still queued joins that job. Throws `not_found` for an unknown scope and `unavailable` (with `Retry-After`)
   * when {@link MAX_PENDING_JOBS} are already queued or running.
   */
  regenerate(scope: RegenerateScope): Job {
    const plan = this.scopeKeys(scope);
    const key = JSON.stringify([scope.org ?? null, scope.schedule ?? null, scope.person ?? null]);
    if (this.#closing.signal.aborted)
      throw new ServiceError("unavailable", "The service is shutting down.", [], {}, { "retry-after": "5" });
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
    const total = [...plan.values()].reduce((n, keys) => n + keys.length, 0);
    const job = this.#jobs.create(this.#newId(), total);
    this.#queue.push({ job, scope, key });
    this.#running ??= this.#drain();
    return { ...job };
  }

  /** Runs queued jobs one after another until the queue is empty. */
  async #drain(): Promise<void> {
    for (let next = this.#queue.shift(); next; next = this.#queue.shift())
      await this.#run(next.job, next.scope);
    this.#running = null;
  }

  /** Stops the job runner: queued jobs fail, the running one stops between two feeds; resolves once it has. */
  async close(): Promise<void> {
    this.#closing.abort(new ServiceError("unavailable", "The service is shutting down."));
    for (const { job } of this.#queue.splice(0)) {
      job.errors.push({ scope: "*", message: "not run: the service shut down" });
      this.#jobs.finish(job);
    }
    await this.#running;
  }

  /** Runs one job; its scope is planned again, since publishes may have changed it while it waited. */
  async #run(job: Job, scope: RegenerateScope): Promise<void> {
    this.#jobs.start(job);
    let plan: Map<string, FeedKey[]>;
    try {
      plan = this.scopeKeys(scope);
      job.total = [...plan.values()].reduce((n, keys) => n + keys.length, 0);
    } catch (error) {
      job.errors.push({ scope: JSON.stringify(scope), message: messageOf(error) });
      plan = new Map();
    }
    for (const [org, keys] of plan) {
      try {
        const result = await this.#service.refresh(org, {
          keys,
          force: true,
          onProgress: () => void job.done++,
          signal: this.#closing.signal,
        });
        job.updated += result.updated.length;
      } catch (error) {
        job.errors.push({ scope: org, message: messageOf(error) });
      }
    }
    this.#jobs.finish(job);
  }

  /** A job's current progress, or `null`. */
  job(id: string): Job | null {
    return this.#jobs.get(id);
  }

  /**
   * Rolls the feed window: for each organization whose zones' calendar dates changed since the last roll,
   * renders again only the feeds whose window content changed. Cheap to call often.
   * @returns the number of feeds whose bytes changed.
   */
  async roll(): Promise<number> {
    let updated = 0;
    const now = this.#service.deps.clock();
    for (const org of this.#service.orgIds()) {
      const state = this.#service.org(org)!;
      const zones = [
        ...new Set([...state.schedules.values()].map((s) => s.snapshot.schedule.timezone)),
      ].sort();
      const dates = zones.map((z) => `${z}=${localDateOf(now, z)}`).join(",");
      if (this.#rolledFor.get(org) === dates) continue;
      const result = await this.#service.refresh(org);
      updated += result.updated.length;
      this.#rolledFor.set(org, dates);
    }
    return updated;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
