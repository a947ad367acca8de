/**
 * Wires the Node runtime: one SQLite database in `DATA_DIR`, secrets from the environment or `DATA_DIR`, the feed
 * service with its render threads, the daily window roll, and the HTTP surface on serving threads that share the
 * port (`SO_REUSEPORT`), each with its own database connection and caches.
 *
 * Start-up order: the data dir is checked and locked before anything reads or writes it (a second process is
 * refused untouched); the port is probed (a port in use fails before any work); the serving threads start and
 * listen on it at once, answering `503` with `Retry-After` while the main thread opens the database; then each
 * opens its own connection, and only once all have do they answer for real, all at once (`/healthz` included).
 */
import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { Config } from "../core/config.ts";
import { createEventBlockCache } from "../core/ical/render-events.ts";
import type { Logger } from "../core/logger.ts";
import { Metrics } from "../core/metrics.ts";
import { FeedService } from "../core/publish/feed-service.ts";
import { Maintenance } from "../core/publish/maintenance.ts";
import { BIG_FEED_BYTES, type ServiceSettings } from "../core/publish/unit-deps.ts";
import { createInProcessRunner, type UnitRunner } from "../core/publish/unit-runner.ts";
import { createApp } from "../http/create-app.ts";
import { DATABASE_FILE, lockDataDir, prepareDataDir, tightenDataDir } from "./data-dir.ts";
import { damagedAtStart, diskFullAtStart } from "./database-files.ts";
import { loadDemo } from "./demo.ts";
import { createHttpServer, listen, requestListener } from "./http-server.ts";
import { closeServer, probePort, starting } from "./listening.ts";
import { createRenderPool } from "./render-pool.ts";
import { createPartnerRanges, defaultPartnerThreads } from "./partner-ranges.ts";
import { nodeCodec } from "./node-codec.ts";
import type { Protection } from "../core/limits/protection.ts";
import { createServingReads } from "./serving-reads.ts";
import { createSharedLimits, exposeProtection, protectionOver } from "./protection-setup.ts";
import type { LoadedSecret } from "./secrets.ts";
import { openStore } from "./open-store.ts";
import { chooseZoneRules, DEFAULT_TZDIR, installZoneRules, type ZoneRulesChoice } from "./host-zone-rules.ts";
import { startUpkeep } from "./upkeep.ts";
import { startServeThreads, type ServeThreads } from "./serve-threads.ts";
import { SharedClock } from "./shared-clock.ts";
import { startTelemetryWriter } from "./telemetry-writer.ts";

export { DATABASE_FILE } from "./data-dir.ts";

export interface RunningServer {
  url: string;
  port: number;
  service: FeedService;
  maintenance: Maintenance;
  adminSecret: LoadedSecret;
  demoLoaded: number;
  /** Gathers what the serving threads have not reported yet (log lines, counters, who-polls notes). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface StartOptions {
  logger: Logger;
  /** The clock every thread reads; tests pass a settable one. Default the wall clock. */
  clock?: SharedClock;
  /** Longest wait for the next chunk of an admin request body, in ms. Default 10 s; tests shorten it. */
  bodyIdleTimeoutMs?: number;
  /** How often fetch telemetry is written, in ms. Default 5 s; tests lengthen it to see batching. */
  telemetryFlushMs?: number;
}

/** Starts the service as configured and resolves once it listens with everything loaded. */
export async function startServer(config: Config, options: StartOptions): Promise<RunningServer> {
  const sharedClock = options.clock ?? new SharedClock();
  const clock = sharedClock.now;
  const { logger } = options;
  await prepareDataDir(config.dataDir);
  const lock = await lockDataDir(config.dataDir, { port: config.port, host: config.host }).catch(
    async (error: unknown) => {
      throw (await diskFullAtStart(error, config.dataDir)) ?? error;
    },
  );
  const loose = await tightenDataDir(config.dataDir).catch(async (error: unknown) => {
    lock.release();
    throw (await diskFullAtStart(error, config.dataDir)) ?? error;
  });
  if (loose !== null) logger.warn("data_dir_modes", { message: loose });
  const metrics = new Metrics();
  // The newest tz data the host has (its zoneinfo or the runtime's own), the same in every thread.
  const zoneRules = chooseZoneRules(config.tzdir ?? DEFAULT_TZDIR);
  installZoneRules(zoneRules);
  // Limits shared by every thread: per-client buckets, work in flight and refusal counters, open connections.
  const limits = createSharedLimits(config);
  const { protection, guard } = protectionOver(limits, clock);
  const cleanup: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
    lock.release();
  };
  try {
    const port = await probePort(config.port, config.host);
    const threads = config.serveThreads ?? availableParallelism();
    // Whatever listens on the port from here on keeps listening until the service stops, answering `503` with
    // `Retry-After` while the database opens: a listener that closed later would reset the connections queued on
    // it (with `SO_REUSEPORT` each listening socket has its own accept queue).
    let fetch: (request: Request, env?: unknown) => Response | Promise<Response> = starting;
    let threadsUp: Promise<ServeThreads> | null = null;
    if (threads === 0) {
      const http: Server = createHttpServer(
        // The runtime's env goes along: it holds the socket, whose peer address the per-client limits key on.
        requestListener((request, env) => fetch(request, env)),
        metrics,
        { timeouts: config.connections, guard },
      );
      await listen(http, { port, host: config.host, reusePort: true });
      cleanup.push(() => closeServer(http));
    } else {
      // The threads come up while the main thread opens the database (the two take about as long).
      const up = startServeThreads({
        count: threads,
        data: {
          port,
          host: config.host,
          databasePath: join(config.dataDir, DATABASE_FILE),
          publicUrl: config.publicUrl,
          cacheBytes: Math.max(1 << 20, Math.floor(config.cacheBytes / threads)),
          inlineDecompressBytes: config.inlineDecompressBytes,
          maxSnapshotBytes: config.maxSnapshotBytes,
          bodyIdleTimeoutMs: options.bodyIdleTimeoutMs,
          clock: sharedClock.buffer,
          refreshSeconds: config.refreshSeconds,
          limits,
          zoneRules,
        },
        logger,
        metrics,
      });
      up.catch(() => undefined); // awaited below; a failed start is stopped here (stopping twice is once)
      cleanup.push(async () => (await up.catch(() => null))?.close());
      threadsUp = up;
    }
    const loaded = await load(config, options, clock, metrics, protection, cleanup, zoneRules);
    exposeProtection(metrics, protection, limits);
    const serving = threadsUp === null ? null : await threadsUp;
    if (serving === null) fetch = loaded.app.fetch;
    else {
      // The threads' last who-polls notes are gathered before they stop, then written by the telemetry flush.
      cleanup.push(async () => {
        await Promise.race([serving.flush(), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
        await serving.close();
      });
      // Every thread opens its connection, then all of them answer for real at once.
      const secrets = {
        feedSecret: loaded.feedSecret,
        adminToken: loaded.adminSecret.value,
        generation: loaded.generation,
      };
      await serving.open(secrets, {
        fetch: loaded.app.fetch,
        fetchLog: loaded.fetchLog,
        ranges: loaded.ranges,
      });
    }
    return {
      url: `http://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${port}`,
      port,
      service: loaded.service,
      maintenance: loaded.maintenance,
      adminSecret: loaded.adminSecret,
      demoLoaded: loaded.demoLoaded,
      flush: () => serving?.flush() ?? Promise.resolve(),
      close,
    };
  } catch (error) {
    await close().catch(() => undefined);
    throw (await diskFullAtStart(error, config.dataDir)) ?? damagedAtStart(error, config.dataDir) ?? error;
  }
}

/** Opens the database and the service on a locked data dir, and builds the app; registers what `close` undoes. */
async function load(
  config: Config,
  options: StartOptions,
  clock: () => number,
  metrics: Metrics,
  protection: Protection,
  cleanup: (() => Promise<void> | void)[],
  zoneRules: ZoneRulesChoice,
) {
  const { logger } = options;
  const { sql, databasePath, migrated, adminSecret, feedSecret, tokens } = await openStore(
    config,
    logger,
    cleanup,
  );
  const settings: ServiceSettings = {
    pastDays: config.pastDays,
    futureDays: config.futureDays,
    refreshSeconds: config.refreshSeconds,
    cacheBytes: config.cacheBytes,
    // Rendered events are kept per rendering thread; pieces are stored, so this mostly serves schedule feeds.
    eventCacheChars: Math.min(config.cacheBytes, 16 << 20),
    bigFeedBytes: BIG_FEED_BYTES,
  };
  // The commit generation, shared with every thread: a commit anywhere bumps it, every serving cache reads it.
  const generationBuffer = new SharedArrayBuffer(4);
  const generation = new Int32Array(generationBuffer);
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
          data: {
            databasePath,
            feedSecret: feedSecret.value,
            settings,
            generation: generationBuffer,
            zoneRules,
          },
          size: renderThreads,
          clock,
          logger,
        });
  cleanup.push(() => runner.close());
  const service = new FeedService({ sql, tokens, runner, clock, onCommit, logger, admission: protection });
  // Partner ranges: one cache for the process, rendered on threads of their own (in process with RENDER_THREADS=0).
  const partnerRanges = createPartnerRanges({
    data: { databasePath, zoneRules },
    sql,
    threads: renderThreads === 0 ? 0 : defaultPartnerThreads(),
    maxBytes: settings.cacheBytes,
    protection,
    metrics,
    logger,
  });
  cleanup.push(() => partnerRanges.close());
  const { reader, partners } = createServingReads({
    sql,
    tokens,
    cacheBytes: settings.cacheBytes,
    inlineDecompressBytes: config.inlineDecompressBytes,
    generation,
    metrics,
    ranges: partnerRanges.source,
  });
  const demoLoaded = config.demo && service.orgIds().length === 0 ? await loadDemo(service, clock()) : 0;
  const maintenance = new Maintenance(service, randomUUID);
  cleanup.push(() => maintenance.close());
  // After a migration no schedule has pieces yet: the roll renders them all, then the feeds (same bytes, same
  // validators), before anything is served from the new store.
  if (migrated > 0) await maintenance.roll(true);

  // Background upkeep: the daily window roll, released blobs deleted, and the tz recheck of this start.
  const stopUpkeep = startUpkeep({ sql, maintenance, clock, logger, metrics, zoneRules, config });
  cleanup.push(stopUpkeep);

  metrics.gauge(
    "shiftfeed_organizations",
    "Organizations with published schedules",
    () => service.orgIds().length,
  );
  // Who polls what, noted in memory by every thread and written in batches; the last batch at shutdown.
  const telemetry = startTelemetryWriter({ sql, clock, logger, intervalMs: options.telemetryFlushMs });
  cleanup.push(() => telemetry.close());
  const { fetchLog } = telemetry;
  const app = createApp({
    service,
    reader,
    maintenance,
    tokens,
    fetchLog,
    adminToken: adminSecret.value,
    bodyIdleTimeoutMs: options.bodyIdleTimeoutMs,
    publicUrl: config.publicUrl,
    maxSnapshotBytes: config.maxSnapshotBytes,
    logger,
    metrics,
    newId: randomUUID,
    protection,
    clientIpHeader: config.clientIpHeader,
    partners,
    refreshSeconds: config.refreshSeconds,
    partnerDefaults: { burst: config.limits.partner.burst, perHour: config.limits.partner.perSecond * 3600 },
  });
  return {
    app,
    service,
    maintenance,
    adminSecret,
    feedSecret: feedSecret.value,
    demoLoaded,
    generation: generationBuffer,
    fetchLog,
    ranges: partnerRanges.source,
  };
}
