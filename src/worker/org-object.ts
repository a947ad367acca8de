/**
 * One organization's authority: a Durable Object with SQLite storage holding what the Node service's database
 * holds for it (the same schema, the same statements, through `durable-object-sql.ts`), running the same core —
 * `FeedService` (one unit per schedule at a time), the admin API of `createApp` — with the units in process.
 *
 * A Durable Object runs one instance per organization, so everything that changes the organization is
 * serialized here; nothing else relies on isolate memory for correctness. What must survive an eviction is in
 * its storage: jobs and their steps (`durable-jobs.ts`), the queue of edge writes (`edge-sync.ts`). Work bigger
 * than one invocation runs one step per alarm, and an alarm never throws: a failure is recorded and the alarm set
 * again after a growing wait (`alarm-retry.ts`). An admin call answers only once its changes are on the edge (R2).
 * What the object is made of (storage, service, jobs, edge outbox, app) is assembled by `org-parts.ts`.
 */
import { DurableObject } from "cloudflare:workers";
import type { FetchNote } from "../core/fetch-log.ts";
import { telemetryMetrics, trafficView, type Traffic } from "../core/traffic.ts";
import type { MetricFamily } from "../core/metrics.ts";
import { webCodec } from "../core/compress.ts";
import type { FeedEntry } from "../core/serving/feed-entry.ts";
import { subscribeInfo, type SubscribeInfo } from "../core/serving/upcoming.ts";
import type { SearchHits } from "../core/publish/search.ts";
import type { Job } from "../core/maintenance/jobs.ts";
import { collectGarbage } from "../core/store/blob-table.ts";
import { readMeta, writeMeta } from "../core/store/schema.ts";
import type { SqlPort } from "../core/store/sql-port.ts";
import { errorResponse, toServiceError } from "../http/errors.ts";
import { ServiceError } from "../core/errors.ts";
import { edgeBacklog } from "./edge-sync.ts";
import type { NewPartnerKey, OrgAuthority, WorkerEnv } from "./env.ts";
import { revokeStoredKey, storePartnerKey, type MadeKey } from "./partner-index.ts";
import type { PartnerKeyRow } from "../core/store/partner-keys-table.ts";
import { workerLogger } from "./logger.ts";
import { alarmRetry, clearAlarmFailure, recordAlarmFailure } from "./alarm-retry.ts";
import { registerOrg } from "./org-registry.ts";
import { ZoneRulesWatch } from "./zone-rules-recheck.ts";
import { buildOrgParts, type Parts } from "./org-parts.ts";
import { queueRegeneration, queueRoll } from "./org-jobs.ts";
import type { RegenerateScope } from "../core/maintenance/maintenance.ts";
import { bigWork } from "./isolate-gate.ts";
import { isBackupPath } from "./backup-routes.ts";
import { countChange } from "./org-backup.ts";
import { dropStaleStaging } from "./org-restore.ts";

/** Released blobs stay readable this long (a reader that has just looked a feed up can still read it). */
const GARBAGE_GRACE_S = 10 * 60;

/** Longest the fetch notes sent by the Worker's isolates wait in memory before the alarm writes them. */
const FETCH_FLUSH_MS = 30_000;

/** How long after a failed edge write the alarm tries again. */
const EDGE_RETRY_MS = 5_000;
const EDGE_PENDING = new ServiceError(
  "unavailable",
  "The change is saved but not yet served everywhere; it is retried in the background. Try the call again shortly.",
);

export class OrgObject extends DurableObject<WorkerEnv> implements OrgAuthority {
  /** Milliseconds since the epoch, for everything the service stamps; tests set it (`runInDurableObject`). */
  clock: () => number = () => Date.now();
  #parts: Promise<Parts> | null = null;
  #stepping: Promise<void> | null = null;
  /** A restore was committed: the parts are built again from storage after the call. */
  #rebuild = false;
  readonly #zoneRules = new ZoneRulesWatch();

  /**
   * Admin requests, forwarded by the Worker once authenticated (the app checks the secret again). A change is
   * answered only once it is on the edge: a refused R2 write is tried again while the call waits (`edge-sync.ts`:
   * about 3 s in all); when R2 still fails, a call other than GET/HEAD answers 503 — the change is saved and is
   * written to the edge by the alarm, but a rotation must not be reported done while the old link works, and
   * calling again is safe (a repeated publish answers `unchanged`).
   */
  override async fetch(request: Request): Promise<Response> {
    let parts: Parts;
    try {
      parts = await this.#ready();
    } catch (error) {
      return errorResponse(toServiceError(error));
    }
    const read = request.method === "GET" || request.method === "HEAD";
    // Any call that may change the organization moves the count a backup checks (`org-backup.ts`).
    if (!read) countChange(this.ctx.storage.kv);
    const response = isBackupPath(new URL(request.url).pathname)
      ? await parts.backup.fetch(request)
      : await parts.app.fetch(request);
    if (!read) this.#noteZones(parts.sql);
    if (this.#rebuild) {
      // A committed restore: the parts are built again from storage, and the alarm writes its feeds to the edge
      // (however many: no call waits on them), which the CLI follows (`edge` in `GET …/backup`).
      [this.#rebuild, this.#parts] = [false, null];
      await this.ctx.storage.setAlarm(Date.now());
      return response;
    }
    try {
      // A read changed nothing: it writes what waits once, and does not wait on R2 for a change not its own.
      await this.#settle(parts, false, !read);
    } catch (error) {
      workerLogger.error("edge_write_failed", { error: String(error) });
      // The alarm writes it: soon after a change, never sooner than a failing alarm's wait after a read.
      const at = await this.ctx.storage.getAlarm();
      if (at === null || (!read && at > Date.now() + EDGE_RETRY_MS))
        await this.ctx.storage.setAlarm(Date.now() + EDGE_RETRY_MS);
      // A read changed nothing: its answer stands.
      if (read) return response;
      return errorResponse(EDGE_PENDING, { "retry-after": String(EDGE_RETRY_MS / 1000) });
    }
    return response;
  }

  /**
   * One step of the first pending job, after writing what waits for the edge; again until nothing is left. Never
   * throws: a failure is recorded and the alarm set again after a growing wait (`alarm-retry.ts`).
   */
  override async alarm(): Promise<void> {
    // One step at a time in this instance, however the alarm was started (a step's awaits let others in).
    this.#stepping ??= this.#step().finally(() => (this.#stepping = null));
    await this.#stepping;
  }

  async #step(): Promise<void> {
    const kv = this.ctx.storage.kv;
    try {
      const parts = await this.#ready();
      try {
        parts.fetchLog.flush();
      } catch (error) {
        // Telemetry never holds up the organization's work; its notes stay for the next write.
        workerLogger.warn("telemetry_flush_failed", { error: String(error) });
      }
      // One try per write here: the alarm itself is the retry.
      const backlog = await parts.edge.drain({ retry: false });
      let more = backlog > 0;
      if (!more) {
        more = await parts.jobs.runNext(async (step) => {
          // One batch at a time in the isolate, whichever object it belongs to (`isolate-gate.ts`).
          countChange(this.ctx.storage.kv);
          const result = await bigWork(step.org, () =>
            parts.service.refresh(step.org, step.schedule, step.scope),
          );
          return result.feedsUpdated;
        });
      }
      await this.#settle(parts, more, false);
      clearAlarmFailure(kv);
    } catch (error) {
      const retry = recordAlarmFailure(kv, error, Date.now());
      workerLogger.error("alarm_failed", { ...retry });
      await this.ctx.storage.setAlarm(Date.parse(retry.nextAttemptAt));
    }
  }

  /** A job with the alarm's failures in a row while it is pending (`retry`), so a stalled job says why. */
  #withRetry(job: Job | null): Job | null {
    if (job === null || job.state === "succeeded" || job.state === "failed") return job;
    const retry = alarmRetry(this.ctx.storage.kv);
    return retry === null ? job : { ...job, retry };
  }

  /** Whether no work is queued: no job step left, nothing waiting for the edge. */
  async idle(): Promise<boolean> {
    const parts = await this.#ready();
    return !parts.jobs.pending() && edgeBacklog(parts.sql) === 0;
  }

  /**
   * The daily roll of this organization's schedules (from the Cron Trigger), as a job; `null` when none is due.
   * First, the schedules of zones whose rules the runtime's tz data moved are queued to render again
   * (`zone-rules-recheck.ts`).
   */
  async roll(): Promise<Job | null> {
    const parts = await this.#ready();
    countChange(this.ctx.storage.kv);
    collectGarbage(parts.sql, Math.floor(this.clock() / 1000) - GARBAGE_GRACE_S);
    dropStaleStaging(parts.sql, Date.now());
    this.#zoneRules.recheck({
      sql: parts.sql,
      logger: workerLogger,
      plan: (zones) => parts.maintenance.planZones(zones),
      queue: (units) => queueRoll(parts, units),
      jobState: (id) => parts.jobs.job(id)?.state ?? null,
    });
    const units = parts.maintenance.planRoll();
    const job = units.length === 0 ? null : queueRoll(parts, units, "roll");
    await this.#settle(parts);
    return job;
  }

  /** Queues a regeneration of a scope within this organization (the Worker asks each one for a wide scope). */
  async regenerate(scope: RegenerateScope): Promise<Job> {
    const parts = await this.#ready();
    countChange(this.ctx.storage.kv);
    const job = queueRegeneration(parts, scope);
    await this.#settle(parts);
    return job;
  }

  /** A job's progress, or `null`. */
  async job(id: string): Promise<Job | null> {
    return this.#withRetry((await this.#ready()).jobs.job(id));
  }

  /** The subscribe page's facts for a live feed of this organization, found by the Worker from R2 metadata. */
  async subscribeInfo(entry: FeedEntry): Promise<SubscribeInfo | null> {
    const parts = await this.#ready();
    return subscribeInfo(parts.sql, webCodec, entry, this.clock());
  }

  /** This organization's part of a search (`GET /admin/search`: the Worker asks every organization). */
  async search(query: string, limit: number): Promise<SearchHits> {
    return (await this.#ready()).service.search(query, limit);
  }

  /**
   * Notes a batch of this organization's feed requests, sent by a Worker isolate (`edge-telemetry.ts`), in Node's
   * fetch log. The batches of every isolate gather in memory and are written together, in one transaction, by the
   * alarm at most {@link FETCH_FLUSH_MS} later (or by a read of the telemetry, which writes first): the rows a
   * write touches (a feed's last fetch, a minute's counts and top list) are then written once per interval, not
   * once per batch. An eviction before the alarm loses at most that interval's notes, as a crash does on Node.
   */
  async recordFetches(notes: FetchNote[]): Promise<void> {
    const { fetchLog } = await this.#ready();
    fetchLog.recordAll(notes);
    const due = Date.now() + FETCH_FLUSH_MS;
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null || alarm > due) await this.ctx.storage.setAlarm(due);
  }

  /** This organization's traffic view (the Worker merges every organization's for `GET /admin/traffic`). */
  async traffic(): Promise<Traffic> {
    return trafficView((await this.#ready()).fetchLog, this.clock());
  }

  /** This organization's lasting fetch counts (the Worker adds every organization's into `/metrics`). */
  async telemetryMetrics(): Promise<MetricFamily[]> {
    return telemetryMetrics((await this.#ready()).fetchLog);
  }

  /** Stores a new partner key of this organization, with its index entries (`partner-index.ts`). */
  async createPartnerKey(input: NewPartnerKey, key: string): Promise<MadeKey> {
    const { service } = await this.#ready();
    countChange(this.ctx.storage.kv);
    return storePartnerKey(service, this.env.FEEDS, input, key);
  }

  /** This organization's partner keys (`GET /admin/partners`), oldest first. */
  async partnerKeys(org?: string): Promise<PartnerKeyRow[]> {
    return (await this.#ready()).service.partnerKeys(org);
  }

  /** Revokes a partner key of this organization: its next request is refused here. */
  async revokePartnerKey(id: string): Promise<PartnerKeyRow | null> {
    const { service } = await this.#ready();
    countChange(this.ctx.storage.kv);
    return revokeStoredKey(service, this.env.FEEDS, id);
  }

  /** Records the rules of zones newly in use (`zone-rules-recheck.ts`); a failure leaves them to the next roll. */
  #noteZones(sql: SqlPort): void {
    try {
      this.#zoneRules.noteRendered(sql);
    } catch (error) {
      workerLogger.warn("tz_rules_note_failed", { error: String(error) });
    }
  }

  /**
   * After every call: the edge is brought up to date (a change is on R2 before its call answers; `retry`: a
   * refused write is tried again while the call waits), the organization is registered for the roll, and the
   * alarm is set while work is left.
   */
  async #settle(parts: Parts, more = false, retry = true): Promise<void> {
    const backlog = await parts.edge.drain({ retry });
    const org = parts.service.orgIds()[0];
    if (org !== undefined && readMeta(parts.sql, "registered") !== org) {
      await registerOrg(this.env.FEEDS, org);
      writeMeta(parts.sql, "registered", org);
    }
    if (more || backlog > 0 || parts.jobs.pending()) await this.ctx.storage.setAlarm(Date.now());
  }

  #ready(): Promise<Parts> {
    this.#parts ??= buildOrgParts({
      env: this.env,
      storage: this.ctx.storage,
      clock: () => this.clock(),
      noteZones: (sql) => this.#noteZones(sql),
      regenerate: queueRegeneration,
      withRetry: (job) => this.#withRetry(job),
      restored: () => void (this.#rebuild = true),
    }).catch((error: unknown) => {
      this.#parts = null;
      throw error;
    });
    return this.#parts;
  }
}
