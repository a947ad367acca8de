/**
 * Fetch telemetry (`FetchLog`): notes stay in memory until a flush writes them in one batch; counts add up across
 * flushes; the newest fetch per client family wins; each minute keeps its busiest clients; old minutes go.
 */
import { describe, expect, it } from "vitest";
import { busiest } from "../../src/core/fetch-clients.ts";
import { FetchLog } from "../../src/core/fetch-log.ts";
import { ensureSchema } from "../../src/core/store/schema.ts";
import type { SqlPort } from "../../src/core/store/sql-port.ts";
import { trafficView } from "../../src/core/traffic.ts";
import { openNodeSqlite } from "../../src/node/store/node-sqlite.ts";

const T = Date.parse("2026-11-20T12:00:00Z");
const APPLE = "iOS/18.1 (22B83) dataaccessd/1.0";
const GOOGLE = "Google-Calendar-Importer";

function setup(options: { topPerMinute?: number; maxClientsPerMinute?: number } = {}) {
  const sql = openNodeSqlite({ path: ":memory:" });
  ensureSchema(sql);
  const clock = { now: T };
  const log = new FetchLog({ sql, clock: () => clock.now, ...options });
  return { sql, clock, log };
}

const count = (sql: SqlPort, table: string) => Number(sql.all(`SELECT count(*) AS n FROM ${table}`)[0]!["n"]);

describe("FetchLog", () => {
  it("writes nothing per request: notes reach the database only when flushed, in one batch", () => {
    const { sql, log } = setup();
    let transactions = 0;
    const counting: SqlPort = { ...sql, transaction: (work) => (transactions++, sql.transaction(work)) };
    const batched = new FetchLog({ sql: counting, clock: () => T });
    for (let i = 0; i < 100; i++) batched.record("acme/person/pA", "apple", APPLE, 304, T + i);
    expect(transactions).toBe(0);
    for (const table of ["fetch_last", "fetch_minutes", "fetch_top", "fetch_totals"])
      expect(count(sql, table)).toBe(0);
    batched.flush();
    expect(transactions).toBe(1);
    expect(count(sql, "fetch_last")).toBe(1);
    batched.flush(); // nothing new: no transaction at all
    expect(transactions).toBe(1);
    expect(log.last("acme", "person/pA")).toEqual([
      { client: "apple", userAgent: APPLE, at: new Date(T + 99).toISOString(), status: 304, requests: 100 },
    ]);
  });

  it("keeps its notes when a write fails, and writes them with the next flush (nothing counted twice)", () => {
    const { sql, log } = setup();
    let fail = true;
    const flaky: SqlPort = {
      ...sql,
      transaction: (work) => {
        if (fail) throw new Error("disk I/O error");
        return sql.transaction(work);
      },
    };
    const batched = new FetchLog({ sql: flaky, clock: () => T });
    batched.record("acme/person/pA", "apple", APPLE, 200, T);
    expect(() => batched.flush()).toThrow("disk I/O error");
    batched.record("acme/person/pA", "apple", APPLE, 304, T + 1);
    fail = false;
    batched.flush();
    expect(log.last("acme", "person/pA")).toEqual([
      { client: "apple", userAgent: APPLE, at: new Date(T + 1).toISOString(), status: 304, requests: 2 },
    ]);
    expect(log.totals()).toEqual([
      { client: "apple", status: 200, requests: 1 },
      { client: "apple", status: 304, requests: 1 },
    ]);
  });

  it("keeps the newest fetch per client family, adds counts across flushes, most recent first", () => {
    const { log } = setup();
    log.record("acme/person/pA", "apple", APPLE, 200, T + 5000);
    log.record("acme/person/pA", "apple", "old agent", 304, T + 1000); // arrives late: older, only counted
    log.record("acme/person/pA", "google", GOOGLE, 200, T + 2000);
    log.flush();
    log.record("acme/person/pA", "apple", "iOS/18.2 dataaccessd/1.0", 304, T + 9000);
    log.record("acme/person/pA", "apple", "stale", 503, T + 3000); // older than the stored one
    log.record("acme/person/pB", "outlook", "Microsoft Office/16.0", 200, T + 9500);
    expect(log.last("acme", "person/pA")).toEqual([
      {
        client: "apple",
        userAgent: "iOS/18.2 dataaccessd/1.0",
        at: new Date(T + 9000).toISOString(),
        status: 304,
        requests: 4,
      },
      { client: "google", userAgent: GOOGLE, at: new Date(T + 2000).toISOString(), status: 200, requests: 1 },
    ]);
    expect(log.last("acme", "person/nobody")).toEqual([]);
  });

  it("counts per minute and in lasting totals, unknown tokens included; keeps a minute's busiest clients", () => {
    const { log, clock } = setup({ topPerMinute: 2 });
    for (let i = 0; i < 30; i++) log.record("acme/person/pA", "apple", APPLE, 304, T + i);
    for (let i = 0; i < 20; i++) log.record(null, "other", "curl/8.5", 404, T + i);
    for (let i = 0; i < 5; i++) log.record("acme/person/pB", "google", GOOGLE, 200, T + i);
    log.record("acme/person/pB", "google", GOOGLE, 503, T + 60_000);
    clock.now = T + 61_000;
    const traffic = trafficView(log, clock.now);
    const [five] = traffic.windows;
    expect(five).toMatchObject({
      minutes: 5,
      requests: 56,
      notModified: 30,
      unavailable: 1,
      tooManyRequests: 0,
    });
    expect(five!.notModifiedShare).toBeCloseTo(30 / 56);
    // Two per minute kept: minute 1 keeps A (30) and the scanner (20); minute 2 keeps B's 503.
    expect(five!.top).toEqual([
      { org: "acme", feed: "person/pA", client: "apple", userAgent: APPLE, requests: 30 },
      { org: null, feed: null, client: "other", userAgent: "curl/8.5", requests: 20 },
      { org: "acme", feed: "person/pB", client: "google", userAgent: GOOGLE, requests: 1 },
    ]);
    expect(traffic.perMinute).toHaveLength(60);
    expect(traffic.perMinute.at(-2)).toMatchObject({ requests: 55, notModified: 30 });
    expect(traffic.perMinute.at(-2)!.byClient).toEqual({ google: 5, apple: 30, outlook: 0, other: 20 });
    expect(traffic.perMinute.at(-1)!.requests).toBe(1);
    expect(log.totals()).toEqual([
      { client: "apple", status: 304, requests: 30 },
      { client: "google", status: 200, requests: 5 },
      { client: "google", status: 503, requests: 1 },
      { client: "other", status: 404, requests: 20 },
    ]);
  });

  it("ranks each user agent and client family of a feed as its own client", () => {
    const { log } = setup();
    const OTHER_IOS = "iOS/17.6 (21G80) dataaccessd/1.0";
    for (let i = 0; i < 3; i++) log.record("acme/person/pA", "apple", APPLE, 304, T + i);
    for (let i = 0; i < 2; i++) log.record("acme/person/pA", "apple", OTHER_IOS, 304, T + i);
    log.record("acme/person/pA", "other", APPLE, 200, T);
    log.record("acme/person/pB", "apple", APPLE, 304, T);
    expect(log.top(1, 10)).toEqual([
      { subject: "acme/person/pA", client: "apple", userAgent: APPLE, requests: 3 },
      { subject: "acme/person/pA", client: "apple", userAgent: OTHER_IOS, requests: 2 },
      { subject: "acme/person/pA", client: "other", userAgent: APPLE, requests: 1 },
      { subject: "acme/person/pB", client: "apple", userAgent: APPLE, requests: 1 },
    ]);
    expect(log.pending).toBe(0); // the read wrote them
    expect(log.last("acme", "person/pA").map((r) => [r.client, r.requests])).toEqual([
      ["apple", 5],
      ["other", 1],
    ]);
  });

  it("bounds distinct clients per minute, and drops minutes older than a day", () => {
    const { sql, log, clock } = setup({ maxClientsPerMinute: 3 });
    for (let i = 0; i < 10; i++) log.record(`acme/person/p${i}`, "apple", APPLE, 304, T);
    const top = log.top(1, 10);
    expect(top).toHaveLength(4);
    expect(top[0]).toEqual({ subject: "", client: "other", userAgent: "(other clients)", requests: 7 });
    clock.now = T + 1441 * 60_000;
    log.record("acme/person/p0", "apple", APPLE, 304);
    log.flush();
    expect(sql.all("SELECT DISTINCT minute FROM fetch_minutes")).toEqual([
      { minute: Math.floor(clock.now / 60_000) },
    ]);
    expect(log.last("acme", "person/p1")).toHaveLength(1); // last fetches are kept, only minutes expire
  });
});

describe("busiest", () => {
  it("keeps what sorting every client and taking the first ones keeps, ties by key", () => {
    let seed = 7;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let round = 0; round < 50; round++) {
      const counts = new Map<string, number>();
      for (let i = random(200); i > 0; i--) counts.set(`k${random(500)}`, 1 + random(6));
      const limit = random(30);
      const sorted = [...counts].sort(([ka, a], [kb, b]) => b - a || (ka < kb ? -1 : 1)).slice(0, limit);
      expect(busiest(counts, limit)).toEqual(sorted);
    }
    expect(busiest(new Map([["a", 1]]), 0)).toEqual([]);
  });
});
