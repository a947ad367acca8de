/**
 * The write-ahead log gives its space back (docs/architecture.md › Storage failures; docs/operations.md › The write-ahead log):
 * after a transaction that left it over 16 MiB it is checkpointed and cut to zero bytes, and a log that grew
 * below that is cut to 8 MiB when it next starts over. Real `node:sqlite` on a real file.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openNodeSqlite, type NodeSqlite } from "../../src/node/store/node-sqlite.ts";

const MiB = 1 << 20;

describe("the write-ahead log's size", () => {
  let dir: string;
  let sql: NodeSqlite;
  let reader: NodeSqlite;
  const wal = () => statSync(join(dir, "x.db-wal")).size;
  /** One transaction writing `mib` MiB of incompressible-looking rows. */
  const write = (mib: number) =>
    sql.transaction(() => {
      for (let i = 0; i < mib; i++) sql.run("INSERT INTO t (v) VALUES (randomblob(?))", MiB);
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "shiftfeed-log-"));
    sql = openNodeSqlite({ path: join(dir, "x.db") });
    reader = openNodeSqlite({ path: join(dir, "x.db") }); // a second connection, as serving threads have
    sql.run("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)");
  });
  afterAll(async () => {
    reader.close();
    sql.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("is cut to zero bytes after a transaction that left it over 16 MiB", () => {
    write(20);
    expect(wal()).toBe(0);
    expect(reader.all("SELECT count(*) AS n FROM t")[0]!["n"]).toBe(20);
  });

  it("is cut to 8 MiB when it starts over after a transaction that left it under 16 MiB", () => {
    write(12);
    expect(wal()).toBeGreaterThan(12 * MiB);
    // The log was wholly copied after the last commit (SQLite's own checkpoint): the next write starts it over.
    sql.transaction(() => sql.run("INSERT INTO t (v) VALUES (x'00')"));
    expect(wal()).toBeLessThanOrEqual(8 * MiB);
    expect(reader.all("SELECT count(*) AS n FROM t")[0]!["n"]).toBe(33);
  });
});
