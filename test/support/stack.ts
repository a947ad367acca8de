/**
 * The service stack built by hand, in process, on a node:sqlite database (in memory unless given): the feed
 * service with an in-process runner (optionally wrapped, to hold units at a gate), a reader, maintenance, and
 * the app. For tests that need to reach inside; `server.ts` starts the real Node server instead.
 */
import { randomUUID } from "node:crypto";
import { FetchLog } from "../../src/core/fetch-log.ts";
import { createEventBlockCache } from "../../src/core/ical/render-events.ts";
import { silentLogger, type Logger } from "../../src/core/logger.ts";
import { Metrics } from "../../src/core/metrics.ts";
import { webCodec } from "../../src/core/compress.ts";
import { FeedReader } from "../../src/core/serving/feed-reader.ts";
import { FeedService } from "../../src/core/publish/feed-service.ts";
import { Maintenance } from "../../src/core/maintenance/maintenance.ts";
import { BIG_FEED_BYTES, type ServiceSettings, type UnitDeps } from "../../src/core/publish/unit-deps.ts";
import { createInProcessRunner, type UnitRunner } from "../../src/core/publish/unit-runner.ts";
import { ensureSchema } from "../../src/core/store/schema.ts";
import type { SqlPort } from "../../src/core/store/sql-port.ts";
import { createFeedTokens, type FeedTokens } from "../../src/core/tokens.ts";
import { createApp } from "../../src/http/create-app.ts";
import { PartnerReader } from "../../src/core/partners/partner-reader.ts";
import { openNodeSqlite } from "../../src/node/store/node-sqlite.ts";
import { ADMIN_TOKEN, FEED_SECRET, SMALL_SETTINGS } from "./server.ts";

export interface StackOptions {
  /** Start of the clock, ms since the epoch. */
  now: number;
  /** The database; default a fresh in-memory one. */
  sql?: SqlPort;
  settings?: Partial<ServiceSettings>;
  /** Wraps the in-process runner (e.g. to hold units at a gate). */
  runner?: (inner: UnitRunner) => UnitRunner;
  /** The admin bearer secret; `null` disables the admin API. Default the harness's. */
  adminToken?: string | null;
  tokens?: FeedTokens;
  logger?: Logger;
  /** What the admin routes call to gather other threads' reports (Node's serving threads); default none. */
  gatherReports?: () => Promise<void>;
}

export interface Stack {
  sql: SqlPort;
  tokens: FeedTokens;
  clock: { now: number };
  deps: UnitDeps;
  service: FeedService;
  reader: FeedReader;
  maintenance: Maintenance;
  app: ReturnType<typeof createApp>;
}

export async function createStack(options: StackOptions): Promise<Stack> {
  const sql = options.sql ?? openNodeSqlite({ path: ":memory:" });
  ensureSchema(sql);
  const tokens = options.tokens ?? (await createFeedTokens(new TextEncoder().encode(FEED_SECRET)));
  const clock = { now: options.now };
  const settings: ServiceSettings = { ...SMALL_SETTINGS, bigFeedBytes: BIG_FEED_BYTES, ...options.settings };
  let generation = 0;
  const onCommit = () => void generation++;
  const deps: UnitDeps = {
    sql,
    tokens,
    settings,
    blocks: settings.eventCacheChars > 0 ? createEventBlockCache(settings.eventCacheChars) : null,
    codec: webCodec,
    clock: () => clock.now,
    onCommit,
  };
  const inner = createInProcessRunner(deps);
  const runner = options.runner ? options.runner(inner) : inner;
  const logger = options.logger ?? silentLogger;
  const service = new FeedService({ sql, tokens, runner, clock: () => clock.now, onCommit, logger });
  const reader = new FeedReader({
    sql,
    tokens,
    cacheBytes: settings.cacheBytes,
    generation: () => generation,
  });
  const maintenance = new Maintenance(service, randomUUID);
  const app = createApp({
    service,
    reader,
    maintenance,
    tokens,
    fetchLog: new FetchLog({ sql, clock: () => clock.now }),
    adminToken: options.adminToken === undefined ? ADMIN_TOKEN : options.adminToken,
    publicUrl: "https://feeds.example.org",
    maxSnapshotBytes: 1 << 20,
    logger,
    metrics: new Metrics(),
    newId: randomUUID,
    partners: new PartnerReader({ sql, codec: webCodec, generation: () => generation }),
    gatherReports: options.gatherReports,
  });
  return { sql, tokens, clock, deps, service, reader, maintenance, app };
}

/** A runner whose units wait while `gate.closed` until `gate.open()`; `gate.waiting` counts held units. */
export function gated(inner: UnitRunner, gate: Gate): UnitRunner {
  const hold = async <T>(work: () => Promise<T>): Promise<T> => {
    if (gate.promise) {
      gate.waiting++;
      await gate.promise;
    }
    return work();
  };
  return {
    publish: (b, t, o) => hold(() => inner.publish(b, t, o)),
    retire: (org, s, o) => hold(() => inner.retire(org, s, o)),
    refresh: (org, s, scope, o) => hold(() => inner.refresh(org, s, scope, o)),
    parallelism: inner.parallelism,
    close: () => inner.close(),
  };
}

/** A gate for {@link gated}. */
export class Gate {
  promise: Promise<void> | null = null;
  waiting = 0;
  #open: () => void = () => undefined;
  close(): void {
    this.promise = new Promise((resolve) => (this.#open = resolve));
  }
  open(): void {
    this.promise = null;
    this.#open();
  }
}
