/**
 * Wires the Node runtime: filesystem store, secrets from the environment or `DATA_DIR`, the feed service,
 * the daily window roll, snapshot ingest in worker threads, and the Hono app on a Node HTTP server with timeouts
 * against slow clients.
 *
 * Start-up order: the data dir is checked and locked before anything reads or writes it (a second process is
 * refused untouched), then the port is bound (a port in use fails before any work), then the store is opened
 * and loaded while the socket answers `503` with `Retry-After`.
 */
import { createAdaptorServer } from "@hono/node-server";
import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Config } from "../core/config.ts";
import { FetchLog } from "../core/fetch-log.ts";
import type { Logger } from "../core/logger.ts";
import { Metrics } from "../core/metrics.ts";
import { FeedService } from "../core/publish/feed-service.ts";
import { Maintenance } from "../core/publish/maintenance.ts";
import { createFeedTokens } from "../core/tokens.ts";
import { createApp } from "../http/create-app.ts";
import { BIG_FEED_BYTES } from "../core/publish/unit-deps.ts";
import { createInProcessRunner } from "../core/publish/unit-runner.ts";
import { FeedReader } from "../core/publish/feed-reader.ts";
import { createEventBlockCache } from "../core/ical/render-events.ts";
import { ensureSchema } from "../core/store/schema.ts";
import { openNodeSqlite } from "../store/node-sqlite.ts";
import { createRenderPool } from "./render-pool.ts";
import { availableParallelism } from "node:os";
import { answerClientErrors } from "./client-errors.ts";
import { lockDataDir, prepareDataDir } from "./data-dir.ts";
import { loadDemo } from "./demo.ts";
import { loadSecret, type LoadedSecret } from "./secrets.ts";

/** The rendered-event cache of a thread that renders, or `null` when the settings turn it off. */
function createBlocks(settings: { eventCacheChars: number }) {
  return settings.eventCacheChars > 0 ? createEventBlockCache(settings.eventCacheChars) : null;
}

/** The database file inside `DATA_DIR`. */
export const DATABASE_FILE = "shiftfeed.db";

/** How often the window roll checks whether a calendar day has turned somewhere (cheap when not). */
const ROLL_CHECK_MS = 5 * 60 * 1000;

export interface RunningServer {
  url: string;
  port: number;
  service: FeedService;
  maintenance: Maintenance;
  adminSecret: LoadedSecret;
  demoLoaded: number;
  close(): Promise<void>;
}

export interface StartOptions {
  logger: Logger;
  /** Milliseconds since the epoch; tests drive time with it. Default `Date.now`. */
  clock?: () => number;
  /** Longest wait for the next chunk of an admin request body, in ms. Default 10 s; tests shorten it. */
  bodyIdleTimeoutMs?: number;
}

/** While the service loads: every request gets this (never an empty calendar, never a 404). */
function starting(): Response {
  const body = { error: { code: "unavailable", message: "shiftfeed is starting.", details: [] } };
  return new Response(JSON.stringify(body), {
    status: 503,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "retry-after": "2",
      "cache-control": "no-store",
    },
  });
}

/** Binds the HTTP server; rejects (instead of emitting an unhandled `error`) when the address is unusable. */
function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => reject(error);
    server.once("error", fail);
    server.listen(port, host, () => {
      server.off("error", fail);
      resolve();
    });
  });
}

/** Starts the service as configured and resolves once it listens with everything loaded. */
export async function startServer(config: Config, options: StartOptions): Promise<RunningServer> {
  const clock = options.clock ?? Date.now;
  const { logger } = options;
  await prepareDataDir(config.dataDir);
  const lock = await lockDataDir(config.dataDir, { port: config.port, host: config.host });
  let fetch: (request: Request) => Response | Promise<Response> = starting;
  const http = createAdaptorServer({ fetch: (request: Request) => fetch(request) }) as Server;
  // Slow or stalled clients (slowloris) are cut off instead of holding sockets open.
  http.headersTimeout = 10_000;
  http.requestTimeout = 30_000;
  http.keepAliveTimeout = 5_000;
  const metrics = new Metrics();
  answerClientErrors(http, (status) =>
    metrics.inc("shiftfeed_http_requests_total", "HTTP requests answered", { route: "other", status }),
  );
  let rollTimer: ReturnType<typeof setInterval> | undefined;
  let maintenance: Maintenance | undefined;
  let closeStore: (() => Promise<void>) | undefined;
  const close = async () => {
    clearInterval(rollTimer);
    await maintenance?.close();
    await new Promise<void>((resolve, reject) => {
      http.close((error) => {
        void (closeStore?.() ?? Promise.resolve()).finally(() => {
          lock.release();
          if (error && (error as NodeJS.ErrnoException).code !== "ERR_SERVER_NOT_RUNNING") reject(error);
          else resolve();
        });
      });
      http.closeAllConnections();
    });
  };
  try {
    await listen(http, config.port, config.host);
    const loaded = await load(config, clock, logger, metrics, options);
    fetch = loaded.app.fetch;
    rollTimer = loaded.rollTimer;
    maintenance = loaded.maintenance;
    closeStore = loaded.closeStore;
    const port = (http.address() as AddressInfo).port;
    return {
      url: `http://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${port}`,
      port,
      service: loaded.service,
      maintenance: loaded.maintenance,
      adminSecret: loaded.adminSecret,
      demoLoaded: loaded.demoLoaded,
      close,
    };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

/** Opens the database and the service on a locked data dir, and builds the app. */
async function load(
  config: Config,
  clock: () => number,
  logger: Logger,
  metrics: Metrics,
  options: StartOptions,
) {
  const sql = openNodeSqlite({ path: join(config.dataDir, DATABASE_FILE) });
  ensureSchema(sql);
  const adminSecret = await loadSecret(config.dataDir, "admin-token", config.adminToken);
  const feedSecret = await loadSecret(config.dataDir, "feed-secret", config.feedSecret);
  const tokens = await createFeedTokens(new TextEncoder().encode(feedSecret.value));
  const settings = {
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
  const runner =
    renderThreads === 0
      ? createInProcessRunner({ sql, tokens, settings, blocks: createBlocks(settings), clock, onCommit })
      : createRenderPool({
          data: {
            databasePath: join(config.dataDir, DATABASE_FILE),
            feedSecret: feedSecret.value,
            settings,
            generation: generationBuffer,
          },
          size: renderThreads,
          clock,
          logger,
        });
  const service = new FeedService({ sql, tokens, runner, clock, onCommit, logger });
  const reader = new FeedReader({
    sql,
    tokens,
    cacheBytes: settings.cacheBytes,
    generation: () => Atomics.load(generation, 0),
  });
  const demoLoaded = config.demo && service.orgIds().length === 0 ? await loadDemo(service, clock()) : 0;
  const maintenance = new Maintenance(service, randomUUID);
  const roll = () =>
    maintenance.roll().catch((error: unknown) => logger.error("roll_failed", { error: String(error) }));
  await roll();
  const rollTimer = setInterval(roll, ROLL_CHECK_MS);
  rollTimer.unref();

  metrics.gauge(
    "shiftfeed_organizations",
    "Organizations with published schedules",
    () => service.orgIds().length,
  );
  const app = createApp({
    bodyIdleTimeoutMs: options.bodyIdleTimeoutMs,
    service,
    reader,
    maintenance,
    tokens,
    fetchLog: new FetchLog(clock),
    adminToken: adminSecret.value,
    publicUrl: config.publicUrl,
    maxSnapshotBytes: config.maxSnapshotBytes,
    logger,
    metrics,
    newId: randomUUID,
  });
  const closeStore = async () => {
    await runner.close();
    sql.close();
  };
  return { app, service, maintenance, adminSecret, demoLoaded, rollTimer, closeStore };
}
