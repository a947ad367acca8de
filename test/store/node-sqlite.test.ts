/**
 * The conformance suite on node:sqlite: a WAL database file, and a private in-memory database; and how this backend
 * reports storage failures (SQLite's own "disk full", through `max_page_count`).
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ServiceError } from "../../src/core/errors.ts";
import { putBlob, readBlob } from "../../src/core/store/blob-table.ts";
import { ensureSchema } from "../../src/core/store/schema.ts";
import { openNodeSqlite } from "../../src/node/store/node-sqlite.ts";
import { describeSqlBackend, inProcess } from "./sql-conformance.ts";

describeSqlBackend("node:sqlite, WAL file", async () =>
  inProcess(openNodeSqlite({ path: join(await mkdtemp(join(tmpdir(), "shiftfeed-sql-")), "shiftfeed.db") })),
);
describeSqlBackend("node:sqlite, in memory", async () => inProcess(openNodeSqlite({ path: ":memory:" })));

describe("node:sqlite storage failures", () => {
  it("a full database is a storage error saying so: nothing saved, the port still usable", async () => {
    const sql = openNodeSqlite({
      path: join(await mkdtemp(join(tmpdir(), "shiftfeed-full-")), "shiftfeed.db"),
    });
    ensureSchema(sql);
    sql.run(`PRAGMA max_page_count = ${Number(sql.all("PRAGMA page_count")[0]!["page_count"]) + 8}`);
    let caught: unknown;
    try {
      sql.transaction(() => putBlob(sql, "big", new Uint8Array(1 << 20)));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ServiceError);
    const e = caught as ServiceError;
    expect([e.code, e.extra["storage"], e.headers["retry-after"]]).toEqual(["unavailable", "full", "30"]);
    expect(e.message).toMatch(/^Storage is full .*database or disk is full.*The change was not saved/);
    expect(readBlob(sql, "big")).toBeNull();
    sql.transaction(() => putBlob(sql, "small", new Uint8Array(10)));
    expect(readBlob(sql, "small")).toEqual(new Uint8Array(10));
    sql.close();
  });

  it("a statement error that is a bug (a constraint) stays an internal error", () => {
    const sql = openNodeSqlite({ path: ":memory:" });
    ensureSchema(sql);
    expect(() => sql.run("INSERT INTO meta (key, value) VALUES ('x', NULL)")).toThrow(/NOT NULL/);
    let caught: unknown;
    try {
      sql.run("INSERT INTO meta (key, value) VALUES ('x', NULL)");
    } catch (error) {
      caught = error;
    }
    expect(caught).not.toBeInstanceOf(ServiceError);
  });
});
