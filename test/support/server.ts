/**
 * Integration harness: the real Node server (`startServer`) on 127.0.0.1, port 0, a fresh temp `DATA_DIR`, fixed
 * secrets, a clock the test drives, and captured log lines. Every helper talks real HTTP over a real socket.
 * The server runs in process (`SERVE_THREADS=0`, `RENDER_THREADS=0`) unless a test asks for threads in `env`.
 */
import { serve, type ServerType } from "@hono/node-server";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import {
  request as httpRequest,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type Server as HttpServer,
} from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { gunzipSync } from "node:zlib";
import { parseConfig } from "../../src/core/config.ts";
import type { Logger } from "../../src/core/logger.ts";
import { startServer, type RunningServer } from "../../src/node/server.ts";
import { SharedClock } from "../../src/node/shared-clock.ts";
import { LOCK_FILE } from "../../src/node/data-dir.ts";
import { DATABASE_FILE } from "../../src/node/server.ts";
import { DatabaseSync } from "node:sqlite";

import { ADMIN_TOKEN, FEED_SECRET, PUBLIC_URL, T0, type SnapshotInput } from "./fixture.ts";

export * from "./fixture.ts";

/** An HTTP answer with the body as raw bytes (never decompressed). */
export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
  /** The body parsed as JSON, or `undefined` when it is not JSON. */
  json: unknown;
}

export interface RawOptions {
  headers?: OutgoingHttpHeaders;
  /** Sent as one write with Content-Length unless `chunks` is given. */
  body?: string | Uint8Array;
  /** Sent with `Transfer-Encoding: chunked`, one write per chunk, no Content-Length. */
  chunks?: (string | Uint8Array)[];
}

/** One request over `node:http`, exactly as written: no default headers beyond Host, no decompression. */
export function raw(method: string, url: string, options: RawOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: OutgoingHttpHeaders = { ...options.headers };
    if (options.body !== undefined) headers["content-length"] = Buffer.byteLength(options.body);
    const req = httpRequest(url, { method, headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (b: Buffer) => parts.push(b));
      res.on("error", reject);
      res.on("end", () => {
        const body = Buffer.concat(parts);
        const text = body.toString("utf8");
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text, json });
      });
    });
    req.on("error", reject);
    if (options.chunks) for (const chunk of options.chunks) req.write(chunk);
    else if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

export interface HarnessOptions {
  /** Extra environment (`MAX_SNAPSHOT_BYTES`, `FEED_PAST_DAYS`, `SERVE_THREADS`, ...). */
  env?: Record<string, string>;
  /** Load the demo fixtures on the empty data dir. Default false. */
  demo?: boolean;
  /** Start time of the clock, ms since the epoch. Default {@link T0}. */
  now?: number;
  /** Longest wait for the next chunk of an admin request body, in ms (the server's default is 10 s). */
  bodyIdleTimeoutMs?: number;
  /** How often the server writes fetch telemetry, in ms (the server's default is 5 s). */
  telemetryFlushMs?: number;
}

/** A feed fetched with no Accept-Encoding: the identity bytes and their validators. */
export interface FeedReply extends Reply {
  etag: string | undefined;
  lastModified: string | undefined;
}

export interface Harness {
  /** Base URL of the live server (changes on restart). */
  readonly url: string;
  readonly dataDir: string;
  readonly running: RunningServer;
  /** Every log line written so far, as JSON text (serving threads' lines arrive after `settle()`). */
  readonly logs: string[];
  /** Gathers what the serving threads have not reported yet: log lines, counters, who-polls notes. */
  settle(): Promise<void>;
  /** Every response body any helper received, for token-hygiene greps. */
  readonly bodies: string[];
  /** The test clock, ms since the epoch. */
  now: number;
  /** An admin call with the bearer token; an object body is sent as JSON. */
  admin(method: string, path: string, body?: unknown, headers?: OutgoingHttpHeaders): Promise<Reply>;
  /** `PUT /admin/orgs/{org}/schedules/{schedule}` with the snapshot's own ids. */
  publish(snapshot: SnapshotInput): Promise<Reply>;
  /** The person's current feed path (`/feeds/<token>.ics`), from the admin lookup. */
  feedPathOf(org: string, person: string): Promise<string>;
  /** The person's current feed URL on the live socket. */
  feedUrlOf(org: string, person: string): Promise<string>;
  /** GET a feed by path or (public or local) URL, without Accept-Encoding. */
  feed(pathOrUrl: string, headers?: OutgoingHttpHeaders): Promise<FeedReply>;
  /** Closes and starts again on the same DATA_DIR and clock; resolves to the new base URL. */
  restart(): Promise<string>;
  /** Every row of every table of the database, by table: what "nothing written" compares. */
  storeListing(): Promise<Record<string, string>>;
  /** Runs statements on the database through a connection of its own (to damage it on purpose). */
  tamper(statements: string): void;
  close(): Promise<void>;
}

/** The path part of a feed link, whatever host it names. */
export function feedPath(link: string): string {
  return link.startsWith("/") ? link : new URL(link).pathname;
}

/** Starts a harness server. Call `close()` in `afterEach`/`afterAll`; it also removes the data dir. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dataDir = await mkdtemp(join(tmpdir(), "shiftfeed-it-"));
  const logs: string[] = [];
  const bodies: string[] = [];
  const line =
    (level: string): Logger["info"] =>
    (event, fields) =>
      void logs.push(JSON.stringify({ level, event, ...fields }));
  const logger: Logger = { info: line("info"), warn: line("warn"), error: line("error") };
  const config = parseConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    ADMIN_TOKEN,
    FEED_SECRET,
    PUBLIC_URL,
    DEMO: options.demo ? "1" : "0",
    // The test clock stands still, so per-client buckets never refill: only tests of the limits turn them on.
    CLIENT_LIMITS: "off",
    // In process: serving and rendering on this thread start in a tenth of the time. Tests about threads (their
    // isolation, sharing, restarts and crashes) ask for them in `env`.
    SERVE_THREADS: "0",
    RENDER_THREADS: "0",
    ...options.env,
  });
  const clock = SharedClock.fixed(options.now ?? T0);
  const start = {
    logger,
    clock,
    bodyIdleTimeoutMs: options.bodyIdleTimeoutMs,
    telemetryFlushMs: options.telemetryFlushMs,
  };
  let running = await startServer(config, start);

  const record = async (promise: Promise<Reply>): Promise<Reply> => {
    const reply = await promise;
    bodies.push(reply.text);
    return reply;
  };

  const harness: Harness = {
    get url() {
      return running.url;
    },
    dataDir,
    get running() {
      return running;
    },
    logs,
    bodies,
    get now() {
      return clock.now();
    },
    set now(value: number) {
      clock.set(value);
    },
    settle: () => running.flush(),
    admin(method, path, body, headers = {}) {
      const h: OutgoingHttpHeaders = { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers };
      let payload: string | Uint8Array | undefined;
      if (typeof body === "string" || body instanceof Uint8Array) payload = body;
      else if (body !== undefined) {
        payload = JSON.stringify(body);
        h["content-type"] ??= "application/json";
      }
      return record(raw(method, running.url + path, { headers: h, body: payload }));
    },
    publish(snapshot) {
      return harness.admin(
        "PUT",
        `/admin/orgs/${snapshot.organization.id}/schedules/${snapshot.schedule.id}`,
        snapshot,
      );
    },
    async feedPathOf(org, person) {
      const reply = await harness.admin("GET", `/admin/orgs/${org}/people/${person}`);
      if (reply.status !== 200)
        throw new Error(`person lookup ${org}/${person}: ${reply.status} ${reply.text}`);
      return feedPath((reply.json as { feed: { url: string } }).feed.url);
    },
    async feedUrlOf(org, person) {
      return running.url + (await harness.feedPathOf(org, person));
    },
    async feed(pathOrUrl, headers = {}) {
      const reply = await record(raw("GET", running.url + feedPath(pathOrUrl), { headers }));
      const etag = reply.headers.etag;
      const lastModified = reply.headers["last-modified"];
      return { ...reply, etag, lastModified };
    },
    async restart() {
      await running.close();
      running = await startServer(config, start);
      return running.url;
    },
    storeListing: async () => databaseListing(join(dataDir, DATABASE_FILE)),
    tamper(statements) {
      const db = new DatabaseSync(join(dataDir, DATABASE_FILE), { timeout: 5000 });
      db.exec(statements);
      db.close();
    },
    async close() {
      await running.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}

/**
 * The names of the tables that hold state, in order: every table but the fetch telemetry (`fetch_*`), which records
 * the very requests a test makes to look.
 */
export const STATE_TABLES_SQL =
  "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'fetch\\_%' ESCAPE '\\' ORDER BY name";

/**
 * Every row of every table of a database file, by table (blobs as hex), through a read-only connection. The fetch
 * telemetry tables (`fetch_*`) are left out: they record the very requests a test makes to look, not state.
 */
export function databaseListing(path: string): Record<string, string> {
  const db = new DatabaseSync(path, { readOnly: true, timeout: 5000 });
  try {
    const out: Record<string, string> = {};
    const tables = db.prepare(STATE_TABLES_SQL).all();
    for (const { name } of tables as { name: string }[]) {
      const rows = db.prepare(`SELECT * FROM "${name}" ORDER BY 1, 2`).all();
      out[name] = JSON.stringify(rows, (_k, v: unknown) =>
        v instanceof Uint8Array ? createHash("sha256").update(v).digest("hex") : v,
      );
    }
    return out;
  } finally {
    db.close();
  }
}

/**
 * Whether a test may open a file: not the data-dir lock, since closing any descriptor of a file drops every POSIX
 * lock this process holds on it (fcntl(2)), and the harness's server runs in this very process.
 */
const openable = (name: string) => name !== LOCK_FILE;

/** Every file under `dir`, recursively: relative path → hex SHA-256 of its bytes. Only the lock file is skipped. */
export async function listFiles(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile() || !openable(entry.name)) continue;
    const path = join(entry.parentPath, entry.name);
    out[relative(dir, path)] = createHash("sha256")
      .update(await readFile(path))
      .digest("hex");
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Every file under `dir` as text (gzip files decompressed), for greps. */
export async function readAllText(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !openable(entry.name)) continue;
    const path = join(entry.parentPath, entry.name);
    const bytes = await readFile(path);
    out.set(path, (path.endsWith(".gz") ? gunzipSync(bytes) : bytes).toString("latin1"));
  }
  return out;
}

/** Serves a Hono app built by hand on 127.0.0.1, port 0. */
export async function serveApp(app: {
  fetch: (request: Request) => Response | Promise<Response>;
}): Promise<{ url: string; close(): Promise<void> }> {
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  const http = server as HttpServer;
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        http.close((error) => (error ? reject(error) : resolve()));
        http.closeAllConnections();
      }),
  };
}
