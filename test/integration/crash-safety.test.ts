/**
 * Crash safety of a publish (docs/test-checklist.md §D 27), in the style of SQLite's own I/O-error tests: the service
 * and app run on a database whose k-th write statement fails (an injected I/O error), for every k a publish
 * executes. The publish answers 500 `internal`, every feed keeps serving the previous revision byte for byte, the
 * database holds exactly what it held before, and a retry without the fault lands exactly where a clean run does.
 * A transaction that cannot commit takes everything with it, so there is nothing to sweep and no orphan to leak.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Logger } from "../../src/core/logger.ts";
import type { SqlPort } from "../../src/core/store/sql-port.ts";
import { openNodeSqlite } from "../../src/node/store/node-sqlite.ts";
import {
  ADMIN_TOKEN,
  STATE_TABLES_SQL,
  T0,
  makeSnapshot,
  raw,
  serveApp,
  type SnapshotInput,
} from "../support/server.ts";
import { createStack } from "../support/stack.ts";

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
  /** Counts write statements; the one whose 1-based number equals `failAt` throws. `0` disarms. */
  writes: number;
  failAt: number;
}

interface Instance {
  sql: SqlPort;
  close(): Promise<void>;
  publish(snapshot: SnapshotInput): Promise<Awaited<ReturnType<typeof raw>>>;
  /** Bytes and validators of each person's and the schedule's feed, by the admin-looked-up link. */
  feeds(): Promise<Record<string, { status: number; etag?: string; lastModified?: string; body?: string }>>;
}

const open: Instance[] = [];
afterEach(async () => {
  for (const i of open.splice(0)) await i.close();
});

const errors: string[] = [];
const logger: Logger = { info() {}, warn() {}, error: (event) => void errors.push(event) };

/** A database whose write statements can be made to fail (reads and transactions pass through). */
function faulty(sql: SqlPort, fault: Fault): SqlPort {
  return {
    all: (q, ...p) => sql.all(q, ...p),
    transaction: (work) => sql.transaction(work),
    run(q, ...p) {
      fault.writes += 1;
      if (fault.writes === fault.failAt)
        throw Object.assign(new Error("disk I/O error (injected)"), { errcode: 10 });
      sql.run(q, ...p);
    },
  };
}

/** Every row of every table, for comparing whole database states. */
function dump(sql: SqlPort): string {
  const tables = sql.all(STATE_TABLES_SQL); // fetch telemetry left out: it records this test's own lookups
  return JSON.stringify(
    tables.map((t) => [t["name"], sql.all(`SELECT * FROM "${String(t["name"])}" ORDER BY 1, 2`)]),
    (_k, v: unknown) => (v instanceof Uint8Array ? Array.from(v).join(",") : v),
  );
}

/** The service and app on a fresh database behind `fault`, served on a real socket. */
async function instance(fault: Fault, now: { ms: number }): Promise<Instance> {
  const base = openNodeSqlite({ path: ":memory:" });
  const stack = await createStack({ now: now.ms, sql: faulty(base, fault), logger });
  Object.defineProperty(stack.clock, "now", { get: () => now.ms });
  const served = await serveApp(stack.app);
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
    sql: base,
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

/** The clean run every faulty run must end up equal to: rev 1 at T0, rev 2 a minute later. */
async function control() {
  const fault: Fault = { writes: 0, failAt: 0 };
  const now = { ms: T0 };
  const inst = await instance(fault, now);
  expect((await inst.publish(rev1)).status).toBe(200);
  const old = await inst.feeds();
  now.ms = T0 + 60_000;
  fault.writes = 0;
  const reply = await inst.publish(rev2);
  expect(reply.status, reply.text).toBe(200);
  const writes = fault.writes; // the publish's own (the lookups below write fetch telemetry)
  return { old, final: await inst.feeds(), writes, reply: reply.json, db: dump(inst.sql) };
}

describe("a failing write during publish (docs/test-checklist.md §D 27)", () => {
  it("at every write k of N: 500, old revision served whole, nothing written, retry reaches the clean final state", async () => {
    const clean = await control();
    expect(clean.writes).toBeGreaterThan(10);
    for (let k = 1; k <= clean.writes; k++) {
      const fault: Fault = { writes: 0, failAt: 0 };
      const now = { ms: T0 };
      const inst = await instance(fault, now);
      expect((await inst.publish(rev1)).status).toBe(200);
      const before = dump(inst.sql);
      now.ms = T0 + 60_000;
      fault.writes = 0;
      fault.failAt = k;
      const failed = await inst.publish(rev2);
      expect(failed.status, `write ${k}: ${failed.text}`).toBe(500);
      expect((failed.json as { error: { code: string } }).error.code).toBe("internal");
      expect(failed.text).not.toContain("injected");
      expect(await inst.feeds(), `write ${k}`).toEqual(clean.old);
      expect(dump(inst.sql) === before, `write ${k}: the database changed`).toBe(true);
      fault.failAt = 0;
      const retried = await inst.publish(rev2);
      expect(retried.status, `retry after write ${k}`).toBe(200);
      expect(retried.json).toEqual(clean.reply);
      expect(await inst.feeds(), `retry after write ${k}`).toEqual(clean.final);
      expect(dump(inst.sql) === clean.db, `retry after write ${k}: database differs from a clean run`).toBe(
        true,
      );
      await inst.close();
      open.splice(open.indexOf(inst), 1);
    }
  });
});
