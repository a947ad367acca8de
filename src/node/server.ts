/**
 * Wires the Node runtime: filesystem store, secrets from the environment or `DATA_DIR`, the feed service,
 * the daily window roll, snapshot ingest in worker threads, and the Hono app on a Node HTTP server with timeouts
 * against slow clients.
 */
import { serve, type ServerType } from "@hono/node-server";
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
import { createFsStore } from "../store/fs.ts";
import { loadDemo } from "./demo.ts";
import { createIngestPool } from "./ingest-pool.ts";
import { loadSecret, type LoadedSecret } from "./secrets.ts";

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

/** Starts the service as configured and resolves once it listens. */
export async function startServer(config: Config, options: StartOptions): Promise<RunningServer> {
  const clock = options.clock ?? Date.now;
  const { logger } = options;
  const store = await createFsStore({ dir: join(config.dataDir, "store") });
  if (store.removedTempFiles > 0) logger.warn("store_temp_files_removed", { count: store.removedTempFiles });
  const adminSecret = await loadSecret(config.dataDir, "admin-token", config.adminToken);
  const feedSecret = await loadSecret(config.dataDir, "feed-secret", config.feedSecret);
  const tokens = await createFeedTokens(new TextEncoder().encode(feedSecret.value));
  const settings = {
    pastDays: config.pastDays,
    futureDays: config.futureDays,
    refreshSeconds: config.refreshSeconds,
    cacheBytes: config.cacheBytes,
    eventCacheChars: config.cacheBytes,
  };
  const service = await FeedService.open({ store, tokens, clock, settings, logger });
  // This process owns the data dir alone, so anything no manifest refers to is a crash leftover.
  const swept = await service.sweep();
  if (swept > 0) logger.warn("store_unreferenced_removed", { count: swept });
  const demoLoaded = config.demo && service.orgIds().length === 0 ? await loadDemo(service, clock()) : 0;
  const maintenance = new Maintenance(service, randomUUID);
  await maintenance.roll();
  const rollTimer = setInterval(() => {
    maintenance.roll().catch((error: unknown) => logger.error("roll_failed", { error: String(error) }));
  }, ROLL_CHECK_MS);
  rollTimer.unref();

  const metrics = new Metrics();
  metrics.gauge(
    "shiftfeed_organizations",
    "Organizations with published schedules",
    () => service.orgIds().length,
  );
  const ingestPool = createIngestPool({ logger });
  const app = createApp({
    ingest: ingestPool.ingest,
    bodyIdleTimeoutMs: options.bodyIdleTimeoutMs,
    service,
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

  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(s));
  });
  // Slow or stalled clients (slowloris) are cut off instead of holding sockets open.
  const http = server as Server;
  http.headersTimeout = 10_000;
  http.requestTimeout = 30_000;
  http.keepAliveTimeout = 5_000;
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${port}`,
    port,
    service,
    maintenance,
    adminSecret,
    demoLoaded,
    close: () =>
      new Promise<void>((resolve, reject) => {
        clearInterval(rollTimer);
        const closed = ingestPool.close();
        server.close((error) => (error ? reject(error) : closed.then(resolve, reject)));
        http.closeAllConnections();
      }),
  };
}
