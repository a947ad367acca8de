/**
 * Work that keeps feeds current without a new snapshot: the daily window roll, and admin-requested
 * regeneration as a job with visible progress.
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

export class Maintenance {
  readonly #service: FeedService;
  readonly #newId: () => string;
  readonly #jobs = new JobRegistry();
  /** The calendar dates each organization's feeds were last rolled for. */
  readonly #rolledFor = new Map<string, string>();

  constructor(service: FeedService, newId: () => string) {
    this.#service = service;
    this.#newId = newId;
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

  /** Starts re-rendering a scope in the background and returns its job at once. */
  regenerate(scope: RegenerateScope): Job {
    const plan = this.scopeKeys(scope);
    const total = [...plan.values()].reduce((n, keys) => n + keys.length, 0);
    const job = this.#jobs.create(this.#newId(), total);
    void (async () => {
      job.state = "running";
      job.startedAt = new Date(this.#service.deps.clock()).toISOString();
      for (const [org, keys] of plan) {
        try {
          const result = await this.#service.refresh(org, {
            keys,
            force: true,
            onProgress: () => void job.done++,
          });
          job.updated += result.updated.length;
        } catch (error) {
          job.errors.push({ scope: org, message: error instanceof Error ? error.message : String(error) });
        }
      }
      job.state = job.errors.length > 0 ? "failed" : "succeeded";
      job.finishedAt = new Date(this.#service.deps.clock()).toISOString();
    })();
    return { ...job };
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
