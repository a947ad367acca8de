/**
 * A serving thread: listens on the service's port beside its siblings (`SO_REUSEPORT`: the kernel spreads
 * connections across threads) and answers feeds and `/healthz` from its own database connection and caches.
 * Admin requests are checked for the bearer secret here and forwarded to the main thread, which runs the admin API
 * (a body follows only if the route reads it); logs, counters and who-polls notes go there too.
 *
 * The thread listens as soon as it starts, before the main thread has opened the database, and answers `503`
 * "starting" until the shared `ready` flag is set — the port is never held by a listener that later closes, so no
 * connection queued on it is ever reset, and no thread answers for real before every thread does.
 */
import { randomUUID } from "node:crypto";
import type { RequestListener } from "node:http";
import { parentPort, workerData } from "node:worker_threads";
import { getRequestListener } from "@hono/node-server";
import type { Logger } from "../core/logger.ts";
import { Metrics } from "../core/metrics.ts";
import { orgIds } from "../core/store/schedules-table.ts";
import { createFeedTokens } from "../core/tokens.ts";
import { requireAdmin } from "../http/auth.ts";
import { isPublicAdminPath } from "../http/pages/static-routes.ts";
import { subscribeInfo } from "../core/serving/upcoming.ts";
import { createServingApp, feedRouteDeps, type ServingDeps, type ServingEnv } from "../http/serving-app.ts";
import { redactTokens } from "../core/logger.ts";
import type { Context } from "hono";
import { openNodeSqlite, type NodeSqlite } from "./store/node-sqlite.ts";
import { createHttpServer, listen, requestListener } from "./http-server.ts";
import { countingIds } from "./feed-listener.ts";
import { starting } from "./listening.ts";
import type { ServeOpenData, ServingThreadData, ToMain, ToServer } from "./serve-protocol.ts";
import { protectionOver } from "./protection-setup.ts";
import { createServingReads } from "./serving-reads.ts";
import { rangesFromMain } from "./partner-ranges.ts";
import { installZoneRules } from "./host-zone-rules.ts";
import { nodeCodec, nodeTokenCrypto } from "./node-codec.ts";
import { SharedClock } from "./shared-clock.ts";
import { ValidatorIndexReader } from "./validator-index.ts";
import { FetchTally } from "./fetch-tally.ts";
import { SharedBodyCache } from "./shared-body-cache.ts";

const port = parentPort;
if (port === null) throw new Error("serving-thread.ts runs only as a worker thread");
const data = workerData as ServingThreadData;
installZoneRules(data.zoneRules);
const send = (message: ToMain, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

const clock = new SharedClock(data.clock).now;
const ready = new Int32Array(data.ready);
const metrics = new Metrics();
/** Who-polls notes, handed to the main thread in blocks (a full one at once, the rest with each report). */
const fetches = new FetchTally((block) => send({ type: "fetches", block }, [block.rows.buffer]));
const logger: Logger = {
  info: (event, fields) => send({ type: "log", level: "info", event, fields }),
  warn: (event, fields) => send({ type: "log", level: "warn", event, fields }),
  error: (event, fields) => send({ type: "log", level: "error", event, fields }),
};
const limits = data.limits;
const { protection, guard } = protectionOver(limits, clock);

// Partner ranges are rendered and cached by the main thread's pool, never here.
const ranges = rangesFromMain((question) => send(question));
let nextId = 0;
const waiting = new Map<number, (message: Extract<ToServer, { type: "response" }>) => void>();
/** The bodies of forwarded requests the main thread has not answered yet, sent when it asks for them. */
const bodies = new Map<number, Request>();
/** The readers of the bodies being sent. */
const reading = new Map<number, ReadableStreamDefaultReader<Uint8Array>>();

/**
 * Sends a request to the main thread and resolves to its answer. The body stays here until the route answering
 * the request reads it (`body-read`): one refused on its headers (`415`, `413` by `Content-Length`) is refused at
 * once, without waiting for a body it would not read.
 */
async function forward(request: Request): Promise<Response> {
  const id = nextId++;
  const body = request.method !== "GET" && request.method !== "HEAD" && request.body !== null;
  if (body) bodies.set(id, request);
  const answer = new Promise<Extract<ToServer, { type: "response" }>>((resolve) => waiting.set(id, resolve));
  send({
    type: "forward",
    id,
    method: request.method,
    url: request.url,
    headers: [...request.headers],
    body,
  });
  const reply = await answer;
  bodies.delete(id);
  reading.delete(id); // answered: whatever of the body is left is not sent on
  return new Response(reply.body as Uint8Array<ArrayBuffer> | null, {
    status: reply.status,
    headers: reply.headers,
  });
}

/** Sends a forwarded request's body to the main thread as it arrives, until it ends or the main thread stops it. */
async function sendBody(id: number): Promise<void> {
  const request = bodies.get(id);
  if (request?.body == null) return;
  const reader = request.body.getReader();
  reading.set(id, reader);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (!reading.has(id)) return;
      if (done) return send({ type: "body-chunk", id, chunk: null });
      const chunk = value.slice(); // its own buffer: the chunk may be a view into one the connection reuses
      send({ type: "body-chunk", id, chunk }, [chunk.buffer]);
    }
  } catch {
    if (reading.has(id)) send({ type: "body-chunk", id, chunk: null, failed: true });
  } finally {
    reading.delete(id);
  }
}

/** The main thread stopped reading a body (over its limit, or idle too long): stopped here too, as in one thread. */
function cancelBody(id: number): void {
  const reader = reading.get(id);
  reading.delete(id);
  bodies.delete(id);
  reader?.cancel().catch(() => undefined);
}

/** This thread's database connection, once opened. */
let sql: NodeSqlite | null = null;
/** The shared validator index, once opened. */
let index: ValidatorIndexReader | null = null;

/** Opens this thread's connection and caches and builds its listener: feeds from `node:http`, the rest by the app. */
async function open(secrets: ServeOpenData): Promise<RequestListener> {
  const db = openNodeSqlite({ path: data.databasePath, cacheKiB: 4096 });
  sql = db;
  index = new ValidatorIndexReader(secrets.validatorIndex);
  const shared = index;
  const tokens = await createFeedTokens(
    new TextEncoder().encode(secrets.feedSecret),
    nodeTokenCrypto,
    (hash) => shared.knows(hash),
  );
  const { reader, partners } = createServingReads({
    sql: db,
    tokens,
    cacheBytes: data.cacheBytes,
    sharedBodies: new SharedBodyCache(data.bodyCache, clock),
    inlineDecompressBytes: data.inlineDecompressBytes,
    generation: new Int32Array(data.generation),
    index: shared,
    metrics,
    ranges: ranges.source,
  });
  const servingDeps: ServingDeps = {
    tokens,
    reader,
    logger,
    metrics,
    newId: randomUUID,
    clock,
    publicUrl: data.publicUrl,
    // Answered here, from this thread's connection, like the feed the page belongs to: no forwarding.
    subscribeInfo: (entry) => subscribeInfo(db, nodeCodec, entry, clock()),
    orgCount: () => orgIds(db).length,
    recordFetch: (feed, client, userAgent, status, tokenHash) =>
      fetches.note(feed, client, userAgent, status, clock(), tokenHash),
    protection,
    clientIpHeader: limits.clientIpHeader,
    partners,
    refreshSeconds: data.refreshSeconds,
  };
  const app = createServingApp(servingDeps, (app) => {
    const admin = requireAdmin(secrets.adminToken);
    // The admin page's shell, script and the OpenAPI document go to the main thread without a token.
    app.use("/admin/*", (c, next) => (isPublicAdminPath(c.req.path) ? next() : admin(c, next)));
    app.use("/metrics", admin);
    const handoff = async (c: Context<ServingEnv>) => {
      const response = await forward(c.req.raw);
      c.set("forwarded", true); // logged and counted where it was answered
      return response;
    };
    app.all("/admin/*", handoff);
    app.all("/metrics", handoff);
  });
  return requestListener(app.fetch, {
    ...feedRouteDeps(servingDeps),
    metrics,
    newId: countingIds(),
    onError: (error) => logger.error("unhandled", { error: redactTokens(String(error)) }),
  });
}

/** Sends the counters and who-polls notes since the last report. */
function report(id: number): void {
  const block = fetches.take();
  send({ type: "stats", id, counters: metrics.samples(), fetches: block }, [block.rows.buffer]);
}

// Until every thread has opened, every request is answered `503` "starting" (with `Retry-After`). The flag is read
// per request: once any thread has answered for real, every thread does.
const startingListener = getRequestListener(starting);
let serve: RequestListener | null = null;
const server = createHttpServer(
  (req, res) => (serve !== null && Atomics.load(ready, 0) === 1 ? serve : startingListener)(req, res),
  metrics,
  { timeouts: limits.connections, guard },
);
const reporter = setInterval(() => report(-1), 1000);
reporter.unref();

port.on("message", (message: ToServer) => {
  if (message.type === "response") {
    waiting.get(message.id)?.(message);
    waiting.delete(message.id);
  } else if (message.type === "body-read") void sendBody(message.id);
  else if (message.type === "body-cancel") cancelBody(message.id);
  else if (message.type === "partner-range") ranges.receive(message);
  else if (message.type === "validator-index") index?.replace(message.buffer);
  else if (message.type === "flush") report(message.id);
  else if (message.type === "open") {
    open(message).then(
      (listener) => {
        serve = listener;
        send({ type: "opened" });
      },
      (error: unknown) => send({ type: "open-failed", message: String(error) }),
    );
  } else if (message.type === "stop") {
    clearInterval(reporter);
    server.close(() => {
      sql?.close();
      process.exit(0);
    });
    server.closeAllConnections();
  }
});

try {
  await listen(server, { port: data.port, host: data.host, reusePort: true });
  send({ type: "listening" });
} catch (error) {
  const e = error as NodeJS.ErrnoException;
  send({ type: "listen-failed", code: e.code, message: e.message });
}
