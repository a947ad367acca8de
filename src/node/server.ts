/**
 * Wires the Node runtime: one SQLite database in `DATA_DIR`, secrets from the environment or `DATA_DIR`, the feed
 * service with its render threads, the daily window roll, and the HTTP surface on serving threads that share the
 * port (`SO_REUSEPORT`), each with its own database connection and caches.
 *
 * Start-up reads straight through: the data dir is checked and locked before anything reads or writes it (a second
 * process is refused untouched); what every thread shares is settled once (the port, probed so a port in use fails
 * before any work; the clock, the tz data, the limits, the commit generation); the listeners take the port at once
 * and answer `503` with `Retry-After` (`listeners.ts`) while the main thread opens the service (`open-service.ts`);
 * then the service is handed to them, and every listener answers for real at once (`/healthz` included). Stopping
 * runs the other way: the listeners, then the service, then the lock.
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { Config } from "../core/config.ts";
import type { Logger } from "../core/logger.ts";
import { Metrics } from "../core/metrics.ts";
import type { FeedService } from "../core/publish/feed-service.ts";
import type { Maintenance } from "../core/maintenance/maintenance.ts";
import { DATABASE_FILE, lockDataDir, prepareDataDir, tightenDataDir, type DataDirLock } from "./data-dir.ts";
import { damagedAtStart, diskFullAtStart } from "./database-files.ts";
import { chooseZoneRules, DEFAULT_TZDIR, installZoneRules } from "./host-zone-rules.ts";
import { listenInProcess, startServingThreads, type Listeners } from "./listeners.ts";
import { probePort } from "./listening.ts";
import { openService, type NodeService, type ServiceStart } from "./open-service.ts";
import {
  createSharedLimits,
  exposeProtection,
  protectionOver,
  type SharedLimits,
} from "./protection-setup.ts";
import type { LoadedSecret } from "./secrets.ts";
import { SharedClock } from "./shared-clock.ts";
import { createBodyCacheBuffer } from "./shared-body-cache.ts";
import type { ConnectionGuardOptions } from "./connection-guard.ts";

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

/** What start-up settles before the database opens, built once: the listeners and the service both read it. */
interface Startup {
  config: Config;
  options: StartOptions;
  port: number;
  clock: SharedClock;
  metrics: Metrics;
  /** Per-client buckets, work in flight and refusal counters, open connections: shared by every thread. */
  limits: SharedLimits;
  protection: ServiceStart["protection"];
  guard: ConnectionGuardOptions;
  thread: ServiceStart["thread"];
  generation: SharedArrayBuffer;
}

/** Starts the service as configured and resolves once it listens with everything loaded. */
export async function startServer(config: Config, options: StartOptions): Promise<RunningServer> {
  const lock = await claimDataDir(config, options.logger);
  let listeners: Listeners | undefined;
  let opened: NodeService | undefined;
  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      await listeners?.close(); // the threads' last who-polls notes go to the fetch log before its last write
      await opened?.close();
      lock.release();
    })());
  try {
    const startup = await settle(config, options);
    listeners = await listen(startup);
    opened = await openService({
      ...startup,
      clock: startup.clock.now,
      logger: options.logger,
      gatherReports: listeners.gather,
      bodyIdleTimeoutMs: options.bodyIdleTimeoutMs,
      telemetryFlushMs: options.telemetryFlushMs,
    });
    exposeProtection(startup.metrics, startup.protection, startup.limits);
    await listeners.open(opened.loaded);
    opened.startIndex();
    return {
      url: `http://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${startup.port}`,
      port: startup.port,
      service: opened.service,
      maintenance: opened.maintenance,
      adminSecret: opened.adminSecret,
      demoLoaded: opened.demoLoaded,
      flush: listeners.gather,
      close,
    };
  } catch (error) {
    await close().catch(() => undefined);
    throw (await diskFullAtStart(error, config.dataDir)) ?? damagedAtStart(error, config.dataDir) ?? error;
  }
}

/** The data dir made, locked and its modes tightened; a full disk said as such. */
async function claimDataDir(config: Config, logger: Logger): Promise<DataDirLock> {
  const diskFull = async (error: unknown) => {
    throw (await diskFullAtStart(error, config.dataDir)) ?? error;
  };
  await prepareDataDir(config.dataDir);
  const lock = await lockDataDir(config.dataDir, { port: config.port, host: config.host }).catch(diskFull);
  const loose = await tightenDataDir(config.dataDir).catch((error: unknown) => {
    lock.release();
    return diskFull(error);
  });
  if (loose !== null) logger.warn("data_dir_modes", { message: loose });
  return lock;
}

/** What every thread shares, settled once: the port (probed free), clock, tz data, limits, commit generation. */
async function settle(config: Config, options: StartOptions): Promise<Startup> {
  const port = await probePort(config.port, config.host);
  const clock = options.clock ?? new SharedClock();
  // The newest tz data the host has (its zoneinfo or the runtime's own), the same in every thread.
  const zoneRules = chooseZoneRules(config.tzdir ?? DEFAULT_TZDIR);
  installZoneRules(zoneRules);
  const limits = createSharedLimits(config);
  const { protection, guard } = protectionOver(limits, clock.now);
  const thread = { databasePath: join(config.dataDir, DATABASE_FILE), zoneRules };
  const generation = new SharedArrayBuffer(4);
  return {
    config,
    options,
    port,
    clock,
    metrics: new Metrics(),
    limits,
    protection,
    guard,
    thread,
    generation,
  };
}

/**
 * Takes the port: the main thread's own server (`SERVE_THREADS=0`), or serving threads, which come up while the
 * main thread opens the service (the two take about as long).
 */
async function listen(startup: Startup): Promise<Listeners> {
  const { config, options, port, metrics, limits } = startup;
  const threads = config.serveThreads ?? availableParallelism();
  if (threads === 0) {
    const { guard } = startup;
    return listenInProcess({ port, host: config.host, metrics, guard, timeouts: config.connections });
  }
  return startServingThreads({
    count: threads,
    data: {
      ...startup.thread,
      port,
      host: config.host,
      publicUrl: config.publicUrl,
      // Three quarters of CACHE_MB for the stored (gzip) bodies every thread shares — what nearly every answer
      // sends — and a quarter for the threads' own decompressed (identity) ones.
      cacheBytes: Math.max(1 << 20, Math.floor(config.cacheBytes / 4 / threads)),
      bodyCache: createBodyCacheBuffer(Math.max(1 << 20, Math.floor((config.cacheBytes * 3) / 4))),
      inlineDecompressBytes: config.inlineDecompressBytes,
      clock: startup.clock.buffer,
      generation: startup.generation,
      refreshSeconds: config.refreshSeconds,
      limits,
    },
    logger: options.logger,
    metrics,
  });
}
