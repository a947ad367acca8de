/**
 * What an organization's Durable Object is made of, built once per instance (it needs the feed secret, read
 * asynchronously): its SQLite storage with the schema and the edge outbox, the feed service with its fan-out
 * runner, the durable jobs, the fetch log, the admin app of `createApp` and the backup routes (`backup-routes.ts`)
 * — refused, with one log line, when `FEED_SECRET` is not the secret the organization's links were made with (and
 * else recorded for the edge: `secret-marker.ts`). `org-object.ts` holds the object's calls, alarm and settling;
 * this module only assembles. Job ids, which name their organization, are made here.
 */
import { FetchLog } from "../core/fetch-log.ts";
import { createEventBlockCache } from "../core/ical/render-events.ts";
import { Metrics } from "../core/metrics.ts";
import { webCodec } from "../core/compress.ts";
import { FeedReader } from "../core/serving/feed-reader.ts";
import { FeedService } from "../core/publish/feed-service.ts";
import type { Job } from "../core/maintenance/jobs.ts";
import { Maintenance, type RegenerateScope } from "../core/maintenance/maintenance.ts";
import type { UnitDeps } from "../core/publish/unit-deps.ts";
import { checkFeedSecret, secretFingerprint } from "../core/store/feed-secret-check.ts";
import { ensureSchema, SchemaVersionError } from "../core/store/schema.ts";
import type { SqlPort } from "../core/store/sql-port.ts";
import type { FeedTokens } from "../core/tokens.ts";
import { createApp } from "../http/create-app.ts";
import { ServiceError } from "../core/errors.ts";
import { durableObjectSql } from "./store/durable-object-sql.ts";
import { DurableJobs } from "./durable-jobs.ts";
import { EdgeSync, ensureEdgeOutbox } from "./edge-sync.ts";
import { workerSettings, type WorkerEnv } from "./env.ts";
import { createFanOutRunner } from "./fan-out-runner.ts";
import { feedTokensFor } from "./feed-tokens.ts";
import { objectPartners, withKnownLength } from "./object-partners.ts";
import { workerLogger } from "./logger.ts";
import { recordSecretMarker } from "./secret-marker.ts";
import { createBackupRoutes } from "./backup-routes.ts";
import { changeCount } from "./org-backup.ts";

/** What the object lends the parts it is made of: its environment, storage and clock, and three of its calls. */
export interface OrgHost {
  env: WorkerEnv;
  storage: DurableObjectStorage;
  /** Milliseconds since the epoch, for everything the service stamps. */
  clock: () => number;
  /** Records the zones in use with the rules they were rendered with (`zone-rules-recheck.ts`). */
  noteZones: (sql: SqlPort) => void;
  /** Queues a regeneration as the object's durable job. */
  regenerate: (parts: Parts, scope: RegenerateScope) => Job;
  /** A job with the alarm's failures in a row while it is pending. */
  withRetry: (job: Job | null) => Job | null;
  /** A restore was committed: the parts are to be built again from storage. */
  restored: () => void;
}

/** Everything built once per instance (it needs the feed secret, read asynchronously). */
export interface Parts {
  sql: SqlPort;
  service: FeedService;
  maintenance: Maintenance;
  jobs: DurableJobs;
  edge: EdgeSync;
  app: { fetch(request: Request): Response | Promise<Response> };
  /** The Workers-only backup and restore routes (`backup-routes.ts`). */
  backup: { fetch(request: Request): Response | Promise<Response> };
  batch: number;
  /** The organization's fetch telemetry: the batches its Worker isolates send (`recordFetches`). */
  fetchLog: FetchLog;
}

const SECRET_MISMATCH = new ServiceError(
  "unavailable",
  "`FEED_SECRET` is not the secret this organization's links were made with: every link would open nothing. " +
    "Put the earlier FEED_SECRET back (`wrangler secret put FEED_SECRET`); nothing was changed.",
);

/**
 * Refuses to build on data whose links another feed secret made (`feed-secret-check.ts`), with a log line; the
 * instance is built again on the next call, so putting the secret back is enough.
 */
async function checkSecret(
  sql: SqlPort,
  tokens: FeedTokens,
  secret: string,
  bucket: R2Bucket,
): Promise<void> {
  const fingerprint = await secretFingerprint(new TextEncoder().encode(secret));
  if ((await checkFeedSecret(sql, tokens, fingerprint)) === "mismatch") {
    workerLogger.error("feed_secret_mismatch", { message: SECRET_MISMATCH.message });
    throw SECRET_MISMATCH;
  }
  // The edge's record of the secret the links are made with (`secret-marker.ts`); the next instance tries again.
  await recordSecretMarker(bucket, fingerprint).catch((error: unknown) =>
    workerLogger.warn("feed_secret_marker_failed", { error: String(error) }),
  );
}

/**
 * Brings the organization's storage to this Worker's schema. Storage a newer version wrote (after a rollback of the
 * Worker) is left untouched and refused with one log line and a `503` naming both versions; its feeds keep
 * serving from R2, and deploying the newer version again is enough.
 */
function openSchema(sql: SqlPort): void {
  try {
    ensureSchema(sql);
  } catch (error) {
    if (!(error instanceof SchemaVersionError)) throw error;
    const found = error.message.replace(/^the database /, "");
    const message = `This organization's storage ${found}: deploy the shiftfeed that wrote it (or a newer one). Its feeds keep serving meanwhile.`;
    workerLogger.error("schema_unreadable", { message });
    throw new ServiceError("unavailable", message, [], {}, { "retry-after": "60" });
  }
}

/** A job id names its organization, so any isolate can route `GET /admin/jobs/{id}` (ids never hold `~`). */
export const jobIdFor = (org: string) => `${org}~${crypto.randomUUID()}`;

/** The organization a job id names, or `null`. */
export function orgOfJob(id: string): string | null {
  const cut = id.indexOf("~");
  return cut > 0 ? id.slice(0, cut) : null;
}

/** Builds the parts of an organization's object. */
export async function buildOrgParts(host: OrgHost): Promise<Parts> {
  const settings = workerSettings(host.env);
  const logger = workerLogger;
  const sql = durableObjectSql(host.storage);
  openSchema(sql);
  const edge = new EdgeSync(sql, host.env.FEEDS);
  ensureEdgeOutbox(sql);
  host.noteZones(sql);
  const tokens = await feedTokensFor(settings.feedSecret);
  await checkSecret(sql, tokens, settings.feedSecret!, host.env.FEEDS);
  const { clock } = host;
  // Commits move the generation that the Durable Object's own reader (admin views) caches validators under.
  let generation = 0;
  const onCommit = () => void generation++;
  const jobs = new DurableJobs(sql, clock, jobIdFor, () => undefined);
  const deps: UnitDeps = {
    sql,
    tokens,
    settings: settings.service,
    blocks: createEventBlockCache(settings.service.eventCacheChars),
    codec: webCodec,
    clock,
    onCommit,
  };
  const runner = createFanOutRunner(deps, jobs, settings.fanOutBatch);
  const service = new FeedService({ sql, tokens, runner, clock, onCommit, logger });
  const maintenance = new Maintenance(service, crypto.randomUUID.bind(crypto));
  const fetchLog = new FetchLog({ sql, clock });
  const backup = createBackupRoutes({
    sql,
    bucket: host.env.FEEDS,
    tokens,
    changes: () => changeCount(host.storage.kv),
    newId: crypto.randomUUID.bind(crypto),
    restored: host.restored,
  });
  const parts: Omit<Parts, "app"> = {
    sql,
    service,
    maintenance,
    jobs,
    edge,
    batch: settings.fanOutBatch,
    fetchLog,
    backup,
  };
  const app = createApp({
    service,
    reader: new FeedReader({
      sql,
      tokens,
      cacheBytes: settings.service.cacheBytes,
      generation: () => generation,
    }),
    maintenance: {
      regenerate: (scope) => host.regenerate(parts as Parts, scope),
      job: (id) => host.withRetry(jobs.job(id)),
    },
    tokens,
    fetchLog,
    adminToken: settings.adminToken,
    publicUrl: settings.publicUrl,
    maxSnapshotBytes: settings.maxSnapshotBytes,
    logger,
    metrics: new Metrics(),
    newId: crypto.randomUUID.bind(crypto),
    // The partner range route, reached through the Worker once it has found the key's organization.
    ...objectPartners({ sql, codec: webCodec, clock, generation: () => generation }),
    refreshSeconds: settings.service.refreshSeconds,
  });
  // Partner ranges go out with their length (`withKnownLength`).
  return { ...parts, app: { fetch: async (request) => withKnownLength(await app.fetch(request)) } };
}
