/**
 * The main thread's service on a locked data dir: the database and secrets (`open-store.ts`), the feed service
 * with its render threads (or in process with `RENDER_THREADS=0`), partner ranges, the demo, the background
 * upkeep, the fetch telemetry and the main app — built in one pass, and closed in the reverse order.
 */
import { randomUUID } from "node:crypto";
import { availableParallelism } from "node:os";
import type { Config } from "../core/config.ts";
import { createEventBlockCache } from "../core/ical/render-events.ts";
import type { Protection } from "../core/limits/protection.ts";
import type { Logger } from "../core/logger.ts";
import type { Metrics } from "../core/metrics.ts";
import { FeedService } from "../core/publish/feed-service.ts";
import { Maintenance } from "../core/maintenance/maintenance.ts";
import { BIG_FEED_BYTES, type ServiceSettings } from "../core/publish/unit-deps.ts";
import { createInProcessRunner, type UnitRunner } from "../core/publish/unit-runner.ts";
import { createApp } from "../http/create-app.ts";
import { loadDemo } from "./demo.ts";
import type { LoadedService } from "./listeners.ts";
import { nodeCodec } from "./node-codec.ts";
import { openStore } from "./open-store.ts";
import { createPartnerRanges, defaultPartnerThreads } from "./partner-ranges.ts";
import { createRenderPool } from "./render-pool.ts";
import type { LoadedSecret } from "./secrets.ts";
import { createServingReads } from "./serving-reads.ts";
import type { ThreadBase } from "./thread-base.ts";
import { startTelemetryWriter } from "./telemetry-writer.ts";
import { startUpkeep } from "./upkeep.ts";
import { keepValidatorIndex } from "./validator-index-fill.ts";
import { ValidatorIndexReader } from "./validator-index.ts";

/** What the service is opened with: settled by start-up before the database opens, the same for every thread. */
export interface ServiceStart {
  config: Config;
  logger: Logger;
  clock: () => number;
  metrics: Metrics;
  protection: Protection;
  /** What every thread starts with: the database's path and the tz data. */
  thread: ThreadBase;
  /** One Int32: the commit generation, bumped by every commit; every serving cache reads it. */
  generation: SharedArrayBuffer;
  /** Gathers what serving threads have noted and not reported (the routes reading it wait for it). */
  gatherReports: () => Promise<void>;
  /** Longest wait for the next chunk of an admin request body, in ms. */
  bodyIdleTimeoutMs: number | undefined;
  /** How often fetch telemetry is written, in ms. */
  telemetryFlushMs: number | undefined;
}

/** The opened service. */
export interface NodeService {
  service: FeedService;
  maintenance: Maintenance;
  adminSecret: LoadedSecret;
  demoLoaded: number;
  /** What the listeners answer with. */
  loaded: LoadedService;
  /** Starts filling the shared validator index (once the listeners answer: a start does not wait for it). */
  startIndex(): void;
  /** Closes what was opened, the last opened first. */
  close(): Promise<void>;
}

/** Opens the database and the service and builds the main app; on a failure, closes what it had opened. */
export async function openService(start: ServiceStart): Promise<NodeService> {
  const opened: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const step of opened.splice(0).reverse()) await step();
  };
  try {
    return { ...(await open(start, opened)), close };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

async function open(start: ServiceStart, opened: (() => Promise<void> | void)[]) {
  const { config, logger, clock, metrics, protection } = start;
  const { sql, adminSecret, feedSecret, tokens } = await openStore(config, logger, opened);
  const settings: ServiceSettings = {
    pastDays: config.pastDays,
    futureDays: config.futureDays,
    refreshSeconds: config.refreshSeconds,
    cacheBytes: config.cacheBytes,
    // Rendered events are kept per rendering thread; pieces are stored, so this mostly serves schedule feeds.
    eventCacheChars: Math.min(config.cacheBytes, 16 << 20),
    bigFeedBytes: BIG_FEED_BYTES,
  };
  const generation = new Int32Array(start.generation);
  const onCommit = () => void Atomics.add(generation, 0, 1);
  const renderThreads = config.renderThreads ?? availableParallelism();
  const runner: UnitRunner =
    renderThreads === 0
      ? createInProcessRunner({
          sql,
          tokens,
          settings,
          blocks: settings.eventCacheChars > 0 ? createEventBlockCache(settings.eventCacheChars) : null,
          codec: nodeCodec,
          clock,
          onCommit,
        })
      : createRenderPool({
          data: { ...start.thread, feedSecret: feedSecret.value, settings, generation: start.generation },
          size: renderThreads,
          clock,
          logger,
        });
  opened.push(() => runner.close());
  const service = new FeedService({ sql, tokens, runner, clock, onCommit, logger, admission: protection });
  // Partner ranges: one cache for the process, rendered on threads of their own (in process with RENDER_THREADS=0).
  const partnerRanges = createPartnerRanges({
    data: start.thread,
    sql,
    threads: renderThreads === 0 ? 0 : defaultPartnerThreads(),
    maxBytes: settings.cacheBytes,
    protection,
    metrics,
    logger,
  });
  opened.push(() => partnerRanges.close());
  // Every live feed's validators and every dead link, in memory every serving thread shares.
  const index = keepValidatorIndex(sql, generation, logger);
  opened.push(() => index.stop());
  const mainIndex = new ValidatorIndexReader(index.buffer);
  index.onReplace((buffer) => mainIndex.replace(buffer));
  const { reader, partners } = createServingReads({
    sql,
    tokens,
    index: mainIndex,
    cacheBytes: settings.cacheBytes,
    inlineDecompressBytes: config.inlineDecompressBytes,
    generation,
    metrics,
    ranges: partnerRanges.source,
  });
  const demoLoaded = config.demo && service.orgIds().length === 0 ? await loadDemo(service, clock()) : 0;
  const maintenance = new Maintenance(service, randomUUID);
  opened.push(() => maintenance.close());

  // Background upkeep: the daily window roll, released blobs deleted, and the tz recheck of this start.
  const zoneRules = start.thread.zoneRules;
  opened.push(startUpkeep({ sql, maintenance, clock, logger, metrics, zoneRules, config }));

  metrics.gauge(
    "shiftfeed_organizations",
    "Organizations with published schedules",
    () => service.orgIds().length,
  );
  // Who polls what, noted in memory by every thread and written in batches; the last batch at shutdown.
  const telemetry = startTelemetryWriter({ sql, clock, logger, intervalMs: start.telemetryFlushMs });
  opened.push(() => telemetry.close());
  const { fetchLog } = telemetry;
  const app = createApp({
    service,
    reader,
    maintenance,
    tokens,
    fetchLog,
    adminToken: adminSecret.value,
    publicUrl: config.publicUrl,
    maxSnapshotBytes: config.maxSnapshotBytes,
    bodyIdleTimeoutMs: start.bodyIdleTimeoutMs,
    gatherReports: start.gatherReports,
    logger,
    metrics,
    newId: randomUUID,
    protection,
    clientIpHeader: config.clientIpHeader,
    partners,
    refreshSeconds: config.refreshSeconds,
    partnerDefaults: { burst: config.limits.partner.burst, perHour: config.limits.partner.perSecond * 3600 },
  });
  const loaded: LoadedService = {
    fetch: app.fetch,
    fetchLog,
    ranges: partnerRanges.source,
    secrets: { feedSecret: feedSecret.value, adminToken: adminSecret.value, validatorIndex: index.buffer },
    onIndexReplace: index.onReplace,
  };
  return { service, maintenance, adminSecret, demoLoaded, loaded, startIndex: () => index.start() };
}
