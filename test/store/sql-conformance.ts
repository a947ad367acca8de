/**
 * One conformance suite for every `SqlPort` backend (node:sqlite on a file and in memory here; a Durable
 * Object's SQL storage inside workerd): transactions land whole or not at all, values round-trip exactly, blobs
 * of any size split and rejoin, the schema is idempotent, and the tables keep what the service relies on.
 * Runtime-neutral: no `node:*` imports, so it runs unchanged inside workerd.
 */
import { describe, expect, it } from "vitest";
import { MAX_SQL_PARAMS, MAX_VALUE_BYTES, type SqlPort } from "../../src/core/store/sql-port.ts";
import { ensureSchema, readMeta, SCHEMA_VERSION, writeMeta } from "../../src/core/store/schema.ts";
import {
  blobParts,
  collectGarbage,
  putBlob,
  readBlob,
  readBlobPart,
  releaseBlob,
} from "../../src/core/store/blob-table.ts";
import {
  deleteFeed,
  feedByKey,
  feedByTokenHash,
  putFeed,
  type FeedRow,
} from "../../src/core/store/feeds-table.ts";
import { addLastFetches, lastFetchesOf } from "../../src/core/store/fetches-table.ts";
import { linkVersion, setLinkVersion } from "../../src/core/store/links-table.ts";
import { countDeadLinks, deadLinkOf } from "../../src/core/store/dead-links-table.ts";
import {
  insertPartnerKey,
  partnerKeyByHash,
  partnerKeyById,
  partnerKeys,
  revokePartnerKey,
} from "../../src/core/store/partner-keys-table.ts";
import { piecesOfPerson, piecesOfSchedule, putPiece } from "../../src/core/store/pieces-table.ts";
import {
  liveSchedules,
  orgRow,
  putOrg,
  putSchedule,
  scheduleRow,
  type ScheduleRow,
} from "../../src/core/store/schedules-table.ts";

/**
 * A fresh, empty backend. `use` runs a test body where the database may be used: at once for an in-process
 * database, inside the Durable Object for its SQL storage (which no other context may touch).
 */
export interface SqlBackend {
  use<T>(body: (sql: SqlPort) => T | Promise<T>): Promise<T>;
  close?(): void;
}

/** Opens a fresh, empty backend. */
export type OpenBackend = () => Promise<SqlBackend>;

/** A backend over a database this context can use directly. */
export function inProcess(sql: SqlPort & { close?(): void }): SqlBackend {
  return { use: async (body) => body(sql), close: () => sql.close?.() };
}

const bytesOf = (n: number, seed = 1) => {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
};

/** Byte equality without vitest's element-by-element diff (slow on megabytes). */
const same = (a: Uint8Array | null, b: Uint8Array) =>
  a !== null && a.length === b.length && a.every((x, i) => x === b[i]);

const feed = (over: Partial<FeedRow> = {}): FeedRow => ({
  org: "acme",
  feed: "person/pA",
  tokenHash: "a".repeat(64),
  etag: 'W/"x"',
  lastModified: 1_800_000_000,
  lastModifiedShared: false,
  size: 10,
  events: 1,
  inputHash: "h1",
  bodyKey: "g/acme/person/pA/1",
  identityKey: null,
  ...over,
});

const schedule = (over: Partial<ScheduleRow> = {}): ScheduleRow => ({
  org: "acme",
  schedule: "icu",
  revision: 1,
  name: "ICU",
  timezone: "America/New_York",
  snapshotHash: "s1",
  publishedAt: "2026-11-20T11:00:00Z",
  receivedAt: 1_800_000_000,
  people: 2,
  assignments: 3,
  retired: false,
  stateKey: "s/acme/icu/1",
  rolledFor: "2026-11-20",
  ...over,
});

/** A quick fingerprint of bytes: every 251st byte (what a torn or mixed part would change). */
const sampled = (v: Uint8Array) => {
  let h = 7;
  for (let i = 0; i < v.length; i += 251) h = (h * 31 + v[i]!) >>> 0;
  return h;
};

/** The big body of each revision, made once. */
const bigBodies = new Map<number, Uint8Array>();
const bigBody = (revision: number) => {
  let body = bigBodies.get(revision);
  if (!body) bigBodies.set(revision, (body = bytesOf(MAX_VALUE_BYTES + 10, revision)));
  return body;
};

/** Every row of every table, for comparing whole database states. */
function dump(sql: SqlPort): string {
  const tables = sql.all("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
  return JSON.stringify(
    tables.map((t) => [t["name"], sql.all(`SELECT * FROM "${String(t["name"])}" ORDER BY 1, 2`)]),
    (_k, v: unknown) => (v instanceof Uint8Array ? `${v.length}:${sampled(v)}` : v),
  );
}

/** The port with its k-th write statement (1-based; 0: none) failing as an I/O error would. */
function failingAt(sql: SqlPort, fault: { writes: number; failAt: number }): SqlPort {
  return {
    all: (q, ...p) => sql.all(q, ...p),
    transaction: (work) => sql.transaction(work),
    run(q, ...p) {
      if (++fault.writes === fault.failAt) throw new Error(`write ${fault.failAt} failed (injected)`);
      sql.run(q, ...p);
    },
  };
}

/** What a publish writes in one transaction: org, schedule, pieces, a big body in parts, feeds, garbage. */
function publishLike(sql: SqlPort, revision: number): void {
  sql.transaction(() => {
    putSchedule(sql, schedule({ revision, stateKey: `s/acme/icu/${revision}` }));
    putBlob(sql, `s/acme/icu/${revision}`, bytesOf(100, revision));
    releaseBlob(sql, `s/acme/icu/${revision - 1}`, 1_800_000_000 + revision);
    for (const person of ["pA", "pB"]) {
      const bodyKey = `p/acme/icu/${person}/${revision}`;
      putBlob(sql, bodyKey, bytesOf(50, revision));
      putPiece(sql, {
        org: "acme",
        person,
        schedule: "icu",
        name: person,
        inputHash: `${revision}`,
        events: 1,
        bodyKey,
      });
      putBlob(
        sql,
        `g/acme/person/${person}/${revision}`,
        person === "pA" ? bigBody(revision) : bytesOf(40, revision),
      );
      putFeed(
        sql,
        feed({
          feed: `person/${person}`,
          tokenHash: person.repeat(32),
          bodyKey: `g/acme/person/${person}/${revision}`,
        }),
      );
    }
    writeMeta(sql, "last", String(revision));
  });
}

/** Registers the suite for one backend. */
export function describeSqlBackend(name: string, open: OpenBackend): void {
  describe(`SqlPort conformance: ${name}`, () => {
    /** Runs a test body on a fresh backend with the schema created. */
    const fresh = async (body: (sql: SqlPort) => void) => {
      const backend = await open();
      try {
        await backend.use((sql) => {
          ensureSchema(sql);
          body(sql);
        });
      } finally {
        backend.close?.();
      }
    };

    it("creates the schema idempotently and records its version", () =>
      fresh((sql) => {
        ensureSchema(sql);
        expect(readMeta(sql, "schema")).toBe(String(SCHEMA_VERSION));
        writeMeta(sql, "schema", "999");
        expect(() => ensureSchema(sql)).toThrow(/schema version 999/);
      }));

    it("brings a database of schema version 1 forward: partner_keys added, every row kept", () =>
      fresh((sql) => {
        // A version-1 database: no telemetry or partner_keys tables, meta says 1.
        for (const table of ["fetch_last", "fetch_minutes", "fetch_top", "fetch_totals", "partner_keys"])
          sql.run(`DROP TABLE ${table}`);
        writeMeta(sql, "schema", "1");
        putOrg(sql, "acme", "Acme Hospital", "enterprise");
        ensureSchema(sql);
        expect(readMeta(sql, "schema")).toBe(String(SCHEMA_VERSION));
        expect(orgRow(sql, "acme")).toEqual({ org: "acme", name: "Acme Hospital", tier: "enterprise" });
        const key = {
          id: "pk_1",
          keyHash: "ab".repeat(32),
          org: "acme",
          name: "Roster sync",
          burst: 500,
          perHour: 3600,
          createdAt: 1_800_000_000,
          revokedAt: null,
        };
        insertPartnerKey(sql, key);
        expect(partnerKeyByHash(sql, key.keyHash)).toEqual(key);
        // One hash, one key.
        expect(() => insertPartnerKey(sql, { ...key, id: "pk_2" })).toThrow();
        revokePartnerKey(sql, "pk_1", 1_800_000_100);
        revokePartnerKey(sql, "pk_1", 1_800_000_200); // a second revocation keeps the first time
        expect(partnerKeyById(sql, "pk_1")?.revokedAt).toBe(1_800_000_100);
        expect(partnerKeys(sql, "acme").map((k) => k.id)).toEqual(["pk_1"]);
        expect(partnerKeys(sql, "other")).toEqual([]);
        ensureSchema(sql); // idempotent at the new version
        expect(partnerKeys(sql)).toHaveLength(1);
      }));

    it("brings a version-2 database (telemetry, no partner keys) forward, keeping its telemetry", () =>
      fresh((sql) => {
        sql.run("DROP TABLE partner_keys");
        writeMeta(sql, "schema", "2");
        sql.run("INSERT INTO fetch_totals (client, status, requests) VALUES ('google', 200, 7)");
        ensureSchema(sql);
        expect(readMeta(sql, "schema")).toBe(String(SCHEMA_VERSION));
        expect(sql.all("SELECT requests FROM fetch_totals")).toEqual([{ requests: 7 }]);
        expect(partnerKeys(sql)).toEqual([]);
      }));

    it("brings a version-3 database forward to dead links: a rotated hash is kept as rotated, a feed that goes keeps its hash, a hash that opens a feed again is no dead link", () =>
      fresh((sql) => {
        putFeed(sql, feed());
        sql.run("DROP TABLE dead_links");
        writeMeta(sql, "schema", "3");
        ensureSchema(sql);
        expect(readMeta(sql, "schema")).toBe(String(SCHEMA_VERSION));
        expect(countDeadLinks(sql)).toBe(0);
        putFeed(sql, feed({ etag: 'W/"y"' })); // new bytes, same link: nothing dies
        expect(countDeadLinks(sql)).toBe(0);
        putFeed(sql, feed({ tokenHash: "b".repeat(64) })); // rotated
        expect(deadLinkOf(sql, "a".repeat(64))).toBe("rotated");
        expect(deadLinkOf(sql, "b".repeat(64))).toBeNull();
        deleteFeed(sql, "acme", "person/pA"); // the person left
        expect(deadLinkOf(sql, "b".repeat(64))).toBe("retired");
        putFeed(sql, feed({ tokenHash: "b".repeat(64) })); // and came back under the same link
        expect(deadLinkOf(sql, "b".repeat(64))).toBeNull();
        expect(deadLinkOf(sql, "a".repeat(64))).toBe("rotated");
        expect(sql.all("SELECT org, feed FROM dead_links")).toEqual([{ org: "acme", feed: "person/pA" }]);
      }));

    it("a write failing at step k of N, for every k, leaves the database exactly as it was and usable", async () => {
      let before = "";
      let after = "";
      let n = 0;
      await fresh((base) => {
        const fault = { writes: 0, failAt: 0 };
        const sql = failingAt(base, fault);
        publishLike(sql, 1);
        before = dump(base);
        fault.writes = 0;
        publishLike(sql, 2);
        n = fault.writes;
        after = dump(base);
      });
      expect(n).toBeGreaterThan(10);
      // Each failure leaves exactly revision 1, so the next k starts from the same state.
      await fresh((db) => {
        const f = { writes: 0, failAt: 0 };
        const port = failingAt(db, f);
        publishLike(port, 1);
        expect(dump(db)).toBe(before);
        for (let k = 1; k <= n; k++) {
          f.writes = 0;
          f.failAt = k;
          expect(() => publishLike(port, 2), `write ${k} of ${n}`).toThrow(`write ${k} failed`);
          expect(dump(db) === before, `write ${k} of ${n}: the database changed`).toBe(true);
        }
        f.failAt = 0;
        publishLike(port, 2);
        expect(dump(db) === after, "the retry differs from a clean run").toBe(true);
      });
    });

    it("migrates a version-1 database forward: the telemetry tables appear, everything else stays", () =>
      fresh((sql) => {
        setLinkVersion(sql, "acme", "person/pA", 3);
        // What a version-1 database is: the same tables without the telemetry and partner key ones.
        for (const table of ["fetch_last", "fetch_minutes", "fetch_top", "fetch_totals", "partner_keys"])
          sql.run(`DROP TABLE ${table}`);
        writeMeta(sql, "schema", "1");
        ensureSchema(sql);
        expect(readMeta(sql, "schema")).toBe(String(SCHEMA_VERSION));
        expect(linkVersion(sql, "acme", "person/pA")).toBe(3);
        sql.run("INSERT INTO fetch_totals (client, status, requests) VALUES ('apple', 304, 1)");
        expect(sql.all("SELECT requests FROM fetch_totals")).toEqual([{ requests: 1 }]);
      }));

    it("a transaction that throws leaves nothing behind, and its error comes out", () =>
      fresh((sql) => {
        expect(() =>
          sql.transaction(() => {
            putFeed(sql, feed());
            putBlob(sql, "k", bytesOf(10));
            throw new Error("boom");
          }),
        ).toThrow("boom");
        expect(feedByKey(sql, "acme", "person/pA")).toBeNull();
        expect(readBlob(sql, "k")).toBeNull();
        sql.transaction(() => putFeed(sql, feed()));
        expect(feedByKey(sql, "acme", "person/pA")).toEqual(feed());
      }));

    it("refuses to nest transactions", () =>
      fresh((sql) => {
        expect(() => sql.transaction(() => sql.transaction(() => 1))).toThrow();
        expect(sql.transaction(() => 2)).toBe(2); // still usable
      }));

    it("round-trips text exactly (NUL, astral, RTL, long) and integers up to 2^53 − 1", () =>
      fresh((sql) => {
        const odd = "a\u0000b 𝄞 مرحبا \u202e x".repeat(1000);
        writeMeta(sql, "odd", odd);
        expect(readMeta(sql, "odd")).toBe(odd);
        putSchedule(sql, schedule({ revision: Number.MAX_SAFE_INTEGER }));
        expect(scheduleRow(sql, "acme", "icu")?.revision).toBe(Number.MAX_SAFE_INTEGER);
      }));

    it(`binds ${MAX_SQL_PARAMS} parameters in one statement`, () =>
      fresh((sql) => {
        const params = Array.from({ length: MAX_SQL_PARAMS }, (_, i) => i);
        const row = sql.all(`SELECT ${params.map(() => "?").join(" + ")} AS total`, ...params)[0];
        expect(row?.["total"]).toBe((MAX_SQL_PARAMS * (MAX_SQL_PARAMS - 1)) / 2);
      }));

    it.each([
      0,
      1,
      MAX_VALUE_BYTES - 1,
      MAX_VALUE_BYTES,
      MAX_VALUE_BYTES + 1,
      Math.floor(2.5 * MAX_VALUE_BYTES),
    ])("a blob of %i bytes splits into parts and rejoins byte for byte", (n) =>
      fresh((sql) => {
        const value = bytesOf(n, n);
        sql.transaction(() => putBlob(sql, "b", value));
        expect(same(readBlob(sql, "b"), value)).toBe(true);
        const parts = blobParts(sql, "b");
        expect(parts).toBe(Math.max(1, Math.ceil(n / MAX_VALUE_BYTES)));
        let joined = 0;
        for (let p = 0; p < parts; p++) joined += readBlobPart(sql, "b", p)!.length;
        expect(joined).toBe(n);
        expect(readBlobPart(sql, "b", parts)).toBeNull();
        // Replacing with a shorter value leaves no stale parts.
        sql.transaction(() => putBlob(sql, "b", bytesOf(3)));
        expect(blobParts(sql, "b")).toBe(1);
        expect(readBlob(sql, "b")).toEqual(bytesOf(3));
      }),
    );

    it("adds last fetches in batches of any size: newest time kept, counts summed, within a batch too", () =>
      fresh((sql) => {
        const note = (i: number, at: number, requests: number) => ({
          org: "acme",
          feed: `person/p${i}`,
          client: "apple" as const,
          at,
          status: 200 + at,
          userAgent: `ua ${at}`,
          requests,
        });
        // 40 notes: more than one statement's rows; person p3 appears three times, out of order.
        const batch = Array.from({ length: 37 }, (_, i) => note(i, 10, 1));
        batch.push(note(3, 30, 2), note(3, 20, 4), note(39, 5, 1));
        addLastFetches(sql, batch);
        addLastFetches(sql, [note(0, 5, 1)]); // older: counted, not shown as the last
        const one = (i: number) => lastFetchesOf(sql, "acme", `person/p${i}`);
        expect(one(3)).toEqual([{ ...note(3, 30, 7) }]);
        expect(one(0)).toEqual([{ ...note(0, 10, 2) }]);
        expect(one(36)).toEqual([note(36, 10, 1)]);
        expect(one(39)).toEqual([note(39, 5, 1)]);
        expect(sql.all("SELECT count(*) AS n FROM fetch_last")[0]?.["n"]).toBe(38);
      }));

    it("a released blob stays readable through the grace period, then goes; writing it again keeps it", () =>
      fresh((sql) => {
        sql.transaction(() => {
          putBlob(sql, "old", bytesOf(5));
          putBlob(sql, "back", bytesOf(6));
          releaseBlob(sql, "old", 100);
          releaseBlob(sql, "back", 100);
          putBlob(sql, "back", bytesOf(6)); // referenced again before the grace period ended
        });
        expect(collectGarbage(sql, 100)).toBe(0);
        expect(readBlob(sql, "old")).toEqual(bytesOf(5));
        expect(collectGarbage(sql, 101)).toBe(1);
        expect(readBlob(sql, "old")).toBeNull();
        expect(readBlob(sql, "back")).toEqual(bytesOf(6));
      }));

    it("feeds are found by token hash and by key; a new token hash stops the old one at once", () =>
      fresh((sql) => {
        sql.transaction(() => putFeed(sql, feed()));
        expect(feedByTokenHash(sql, "a".repeat(64))).toEqual(feed());
        sql.transaction(() => putFeed(sql, feed({ tokenHash: "b".repeat(64), identityKey: "i/x" })));
        expect(feedByTokenHash(sql, "a".repeat(64))).toBeNull();
        expect(feedByTokenHash(sql, "b".repeat(64))?.identityKey).toBe("i/x");
        expect(() =>
          sql.transaction(() => putFeed(sql, feed({ feed: "person/pB", tokenHash: "b".repeat(64) }))),
        ).toThrow();
        sql.transaction(() => deleteFeed(sql, "acme", "person/pA"));
        expect(feedByTokenHash(sql, "b".repeat(64))).toBeNull();
      }));

    it("link versions start at 1 and outlive their feeds", () =>
      fresh((sql) => {
        expect(linkVersion(sql, "acme", "person/pA")).toBe(1);
        sql.transaction(() => setLinkVersion(sql, "acme", "person/pA", 3));
        expect(linkVersion(sql, "acme", "person/pA")).toBe(3);
        expect(linkVersion(sql, "other", "person/pA")).toBe(1);
      }));

    it("a person's pieces come only from live schedules, with each schedule's zone and arrival", () =>
      fresh((sql) => {
        sql.transaction(() => {
          putSchedule(sql, schedule());
          putSchedule(sql, schedule({ schedule: "er", timezone: "America/Chicago", receivedAt: 5 }));
          putSchedule(sql, schedule({ schedule: "old", retired: true }));
          for (const s of ["icu", "er", "old"]) {
            putPiece(sql, {
              org: "acme",
              person: "pA",
              schedule: s,
              name: `A@${s}`,
              inputHash: s,
              events: 1,
              bodyKey: `p/${s}`,
            });
          }
        });
        const pieces = piecesOfPerson(sql, "acme", "pA");
        expect(pieces.map((p) => [p.schedule, p.timezone, p.receivedAt])).toEqual([
          ["er", "America/Chicago", 5],
          ["icu", "America/New_York", 1_800_000_000],
        ]);
        expect(piecesOfSchedule(sql, "acme", "old").map((p) => p.name)).toEqual(["A@old"]);
        expect(liveSchedules(sql, "acme").map((s) => s.schedule)).toEqual(["er", "icu"]);
      }));
  });
}
