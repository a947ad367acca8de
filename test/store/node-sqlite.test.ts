/** The conformance suite on node:sqlite: a WAL database file, and a private in-memory database. */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openNodeSqlite } from "../../src/store/node-sqlite.ts";
import { describeSqlBackend, inProcess } from "./sql-conformance.ts";

describeSqlBackend("node:sqlite, WAL file", async () =>
  inProcess(openNodeSqlite({ path: join(await mkdtemp(join(tmpdir(), "shiftfeed-sql-")), "shiftfeed.db") })),
);
describeSqlBackend("node:sqlite, in memory", async () => inProcess(openNodeSqlite({ path: ":memory:" })));
