/**
 * The core's `SqlPort` over Node's built-in `node:sqlite` (no native addon, no download): one database file in
 * WAL mode, shared by every thread of the process, each with its own connection.
 *
 * Settings, and why:
 * - `journal_mode=WAL`: readers never block the writer or each other; a reader sees one committed state.
 * - `synchronous=FULL`: a committed publish survives power loss, not only a crash (publishes are rare, polls
 *   never write, so the fsync per commit costs nothing that matters).
 * - `BEGIN IMMEDIATE`: a transaction takes the write lock up front, so two writers never deadlock upgrading.
 * - a busy timeout: a writer waits for another's commit instead of failing.
 * https://sqlite.org/wal.html · https://sqlite.org/pragma.html#pragma_synchronous · https://sqlite.org/lang_transaction.html
 */
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import type { SqlPort, SqlRow } from "../core/store/sql-port.ts";
import { classifySqliteError } from "./sqlite-errors.ts";

export interface NodeSqliteOptions {
  /** Path of the database file, or `:memory:` for a private in-memory database (tests). */
  path: string;
  /** How long a writer waits for the write lock, in milliseconds. Default 10,000. */
  busyTimeoutMs?: number;
  /** SQLite's page cache for this connection, in KiB. Default 8,192 (8 MiB). */
  cacheKiB?: number;
}

/** An open database: the port plus `close()`. */
export interface NodeSqlite extends SqlPort {
  close(): void;
}

/** Opens (creating when missing) a database and returns its port. */
export function openNodeSqlite(options: NodeSqliteOptions): NodeSqlite {
  const db = new DatabaseSync(options.path, { timeout: options.busyTimeoutMs ?? 10_000 });
  if (options.path !== ":memory:") db.exec("PRAGMA journal_mode=WAL");
  db.exec(`PRAGMA synchronous=FULL; PRAGMA cache_size=-${options.cacheKiB ?? 8192}`);
  const statements = new Map<string, StatementSync>();
  const prepared = (sql: string): StatementSync => {
    let statement = statements.get(sql);
    if (statement === undefined) statements.set(sql, (statement = db.prepare(sql)));
    return statement;
  };
  let inTransaction = false;
  // A storage failure (full, I/O, read-only, …) leaves as the core's storage error, which says what happened.
  const statement = <T>(call: () => T): T => {
    try {
      return call();
    } catch (error) {
      throw classifySqliteError(error, "statement", inTransaction);
    }
  };
  return {
    all: (sql, ...params) => statement(() => prepared(sql).all(...(params as SQLInputValue[])) as SqlRow[]),
    run: (sql, ...params) => statement(() => void prepared(sql).run(...(params as SQLInputValue[]))),
    transaction(work) {
      if (inTransaction) throw new Error("transactions do not nest");
      statement(() => db.exec("BEGIN IMMEDIATE"));
      inTransaction = true;
      let committing = false;
      try {
        const result = work();
        committing = true;
        db.exec("COMMIT");
        return result;
      } catch (error) {
        try {
          db.exec("ROLLBACK");
        } catch {
          // SQLite has already rolled back (e.g. after SQLITE_FULL); nothing is left to undo.
        }
        throw committing ? classifySqliteError(error, "commit", true) : error;
      } finally {
        inTransaction = false;
      }
    },
    close: () => db.close(),
  };
}
