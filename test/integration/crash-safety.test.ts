/**
 * Crash safety of a publish (TEST-CHECKLIST §D 27): the service and app are built by hand on a filesystem store
 * whose Nth `put` fails, for every N a publish makes. The publish answers 500 `internal`, every feed keeps serving
 * the previous revision byte for byte, and a retry without the fault lands exactly where a clean run does.
 */
import { afterEach, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import * as nodeFs from "node:fs/promises";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FetchLog } from "../../src/core/fetch-log.ts";
import type { Logger } from "../../src/core/logger.ts";
import { Metrics } from "../../src/core/metrics.ts";
import { FeedService } from "../../src/core/publish/feed-service.ts";
import { Maintenance } from "../../src/core/publish/maintenance.ts";
import { createFeedTokens } from "../../src/core/tokens.ts";
import { createApp } from "../../src/http/create-app.ts";
import type { BlobStore } from "../../src/store/blob-store.ts";
import { createFsStore, type FsPromises } from "../../src/store/fs.ts";
import {
  ADMIN_TOKEN,
  FEED_SECRET,
  T0,
  listFiles,
  makeSnapshot,
  raw,
  serveApp,
  type SnapshotInput,
  SMALL_SETTINGS,
} from "../support/server.ts";

const rev1 = makeSnapshot();
/** Changes A's and B's feeds and adds a person C: several feed bodies, a state and the manifest are written. */
const rev2 = makeSnapshot({
  revision: 2,
  people: [...rev1.people, { id: "pC", name: "Dr. Cy Cole" }],
  assignments: [
    { id: "a1", personId: "pA", shiftId: "day", date: "2026-11-25", start: "09:00" },
    { id: "a2", personId: "pB", shiftId: "night", date: "2026-11-27" },
    { id: "a4", personId: "pC", shiftId: "day", date: "2026-11-28" },
  ],
});
const FEEDS = ["pA", "pB", "pC"] as const;

interface Fault {
  /** Counts puts; the put whose 1-based number equals `failAt` throws. `0` disarms. */
  puts: number;
  failAt: number;
}

interface Instance {
  url: string;
  close(): Promise<void>;
  publish(snapshot: SnapshotInput): Promise<Awaited<ReturnType<typeof raw>>>;
  /** Bytes and validators of each person's and the schedule's feed, by the admin-looked-up link. */
  feeds(): Promise<Record<string, { status: number; etag?: string; lastModified?: string; body?: string }>>;
}

const dirs: string[] = [];
const open: Instance[] = [];
afterEach(async () => {
  for (const i of open.splice(0)) await i.close();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "shiftfeed-crash-"));
  dirs.push(dir);
  return dir;
}

const errors: string[] = [];
const logger: Logger = { info() {}, warn() {}, error: (event) => void errors.push(event) };

/** FeedService + createApp on `store`, served on a real socket. */
async function instance(store: BlobStore, now: { ms: number }): Promise<Instance> {
  const tokens = await createFeedTokens(new TextEncoder().encode(FEED_SECRET));
  const clock = () => now.ms;
  const service = await FeedService.open({
    store,
    tokens,
    clock,
    settings: SMALL_SETTINGS,
    logger,
  });
  const app = createApp({
    service,
    maintenance: new Maintenance(service, randomUUID),
    tokens,
    fetchLog: new FetchLog(clock),
    adminToken: ADMIN_TOKEN,
    publicUrl: "https://feeds.example.org",
    maxSnapshotBytes: 1 << 20,
    logger,
    metrics: new Metrics(),
    newId: randomUUID,
  });
  const served = await serveApp(app);
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const fetchFeed = async (lookup: string) => {
    const view = await raw("GET", served.url + lookup, { headers: auth });
    if (view.status !== 200) return { status: view.status };
    const path = new URL((view.json as { feed: { url: string } }).feed.url).pathname;
    const f = await raw("GET", served.url + path);
    return {
      status: f.status,
      etag: f.headers.etag,
      lastModified: f.headers["last-modified"],
      body: f.body.toString("base64"),
    };
  };
  const inst: Instance = {
    url: served.url,
    close: served.close,
    publish: (snapshot) =>
      raw("PUT", `${served.url}/admin/orgs/acme/schedules/icu`, {
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify(snapshot),
      }),
    async feeds() {
      const out: Awaited<ReturnType<Instance["feeds"]>> = {};
      for (const p of FEEDS) out[p] = await fetchFeed(`/admin/orgs/acme/people/${p}`);
      out["schedule"] = await fetchFeed("/admin/orgs/acme/schedules/icu");
      return out;
    },
  };
  open.push(inst);
  return inst;
}

/** A store whose puts can be made to fail. */
function faulty(store: BlobStore, fault: Fault): BlobStore {
  return {
    get: (key) => store.get(key),
    delete: (key) => store.delete(key),
    list: (prefix) => store.list(prefix),
    async put(key, value) {
      fault.puts += 1;
      if (fault.puts === fault.failAt)
        throw Object.assign(new Error(`injected failure writing ${key}`), { code: "EIO" });
      return store.put(key, value);
    },
  };
}

/** The clean run every faulty run must end up equal to: rev 1 at T0, rev 2 a minute later. */
async function control() {
  const fault: Fault = { puts: 0, failAt: 0 };
  const now = { ms: T0 };
  const inst = await instance(
    faulty(await createFsStore({ dir: join(await tempDir(), "store") }), fault),
    now,
  );
  expect((await inst.publish(rev1)).status).toBe(200);
  const old = await inst.feeds();
  now.ms = T0 + 60_000;
  fault.puts = 0;
  const reply = await inst.publish(rev2);
  expect(reply.status, reply.text).toBe(200);
  return { old, final: await inst.feeds(), puts: fault.puts, reply: reply.json };
}

describe("a failing store put during publish (TEST-CHECKLIST §D 27)", () => {
  it("at every put k of N: 500, old revision served whole, retry reaches the clean final state", async () => {
    const clean = await control();
    expect(clean.puts).toBeGreaterThanOrEqual(5);
    expect(clean.final["pC"]!.status).toBe(200);
    expect(clean.final["pA"]!.etag).not.toBe(clean.old["pA"]!.etag);

    for (let k = 1; k <= clean.puts; k++) {
      const fault: Fault = { puts: 0, failAt: 0 };
      const now = { ms: T0 };
      const dir = await tempDir();
      const inst = await instance(faulty(await createFsStore({ dir: join(dir, "store") }), fault), now);
      expect((await inst.publish(rev1)).status).toBe(200);
      expect(await inst.feeds()).toEqual(clean.old);

      now.ms = T0 + 60_000;
      Object.assign(fault, { puts: 0, failAt: k });
      const failed = await inst.publish(rev2);
      expect(failed.status, `put ${k}/${clean.puts}: ${failed.text}`).toBe(500);
      expect(failed.json).toEqual({ error: { code: "internal", message: "Internal error.", details: [] } });
      expect(failed.text).not.toContain("injected");
      expect(await inst.feeds(), `put ${k}`).toEqual(clean.old);
      const schedule = await raw("GET", `${inst.url}/admin/orgs/acme/schedules/icu`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect((schedule.json as { revision: number }).revision).toBe(1);
      expect(Object.keys(await listFiles(join(dir, "store"))).filter((f) => f.endsWith(".tmp"))).toEqual([]);

      fault.failAt = 0;
      const retried = await inst.publish(rev2);
      expect(retried.status, `retry after put ${k}: ${retried.text}`).toBe(200);
      expect(retried.json).toEqual(clean.reply);
      expect(await inst.feeds(), `retry after put ${k}`).toEqual(clean.final);
    }
    expect(errors.filter((e) => e === "unhandled").length).toBe(clean.puts);
  });

  // Regression block for a reported bug: bodies and state a failed publish wrote before its manifest put are never
  // recorded as garbage, so each failed attempt leaves unreferenced files behind for good (restarts included).
  it("files written by a failed publish do not outlive later successful publishes (orphan leak)", async () => {
    const fault: Fault = { puts: 0, failAt: 0 };
    const now = { ms: T0 };
    const dir = await tempDir();
    const store = await createFsStore({ dir: join(dir, "store") });
    const inst = await instance(faulty(store, fault), now);
    expect((await inst.publish(rev1)).status).toBe(200);
    now.ms += 60_000;
    Object.assign(fault, { puts: 0, failAt: 6 }); // the manifest put: every body and the state are already written
    expect((await inst.publish(rev2)).status).toBe(500);
    fault.failAt = 0;
    for (const revision of [3, 4, 5]) {
      now.ms += 60_000;
      const next = makeSnapshot({
        revision,
        assignments: [{ id: "a1", personId: "pA", shiftId: "day", date: `2026-12-0${revision}` }],
      });
      expect((await inst.publish(next)).status).toBe(200);
    }
    const manifest = JSON.parse(
      new TextDecoder().decode((await store.get("orgs/o.acme/manifest.json"))!),
    ) as {
      feeds: Record<string, { blobKey: string }>;
      schedules: Record<string, { stateKey: string }>;
      garbage: string[];
    };
    const known = new Set([
      "orgs/o.acme/manifest.json",
      ...Object.values(manifest.feeds).map((f) => f.blobKey),
      ...Object.values(manifest.schedules).map((s) => s.stateKey),
      ...manifest.garbage,
    ]);
    const files = Object.keys(await listFiles(join(dir, "store")));
    expect(files.filter((f) => !known.has(f))).toEqual([]);
  });

  it("ENOSPC from the filesystem mid-write: no temp file left, a restart serves the old revision, retry converges", async () => {
    const clean = await control();
    const dir = await tempDir();
    const shim = { writes: 0, failAt: 0 };
    const fs: FsPromises = {
      ...(nodeFs as unknown as FsPromises),
      async open(path, flags) {
        const handle = await (nodeFs as unknown as FsPromises).open(path, flags);
        if (flags !== "w") return handle;
        shim.writes += 1;
        if (shim.writes !== shim.failAt) return handle;
        return {
          write: async () => {
            throw Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
          },
          sync: () => handle.sync(),
          close: () => handle.close(),
        };
      },
    };
    const now = { ms: T0 };
    const first = await instance(await createFsStore({ dir: join(dir, "store"), fs }), now);
    expect((await first.publish(rev1)).status).toBe(200);
    now.ms = T0 + 60_000;
    Object.assign(shim, { writes: 0, failAt: 2 });
    expect((await first.publish(rev2)).status).toBe(500);
    expect(Object.keys(await listFiles(join(dir, "store"))).filter((f) => f.includes("~"))).toEqual([]);
    expect(await first.feeds()).toEqual(clean.old);

    // "Crash": a new process opens the same store and still serves revision 1, then the retry lands.
    await first.close();
    open.splice(open.indexOf(first), 1);
    shim.failAt = 0;
    const second = await instance(await createFsStore({ dir: join(dir, "store") }), now);
    expect(await second.feeds()).toEqual(clean.old);
    expect((await second.publish(rev2)).status).toBe(200);
    expect(await second.feeds()).toEqual(clean.final);
  });
});
