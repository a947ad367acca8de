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
 * - the log gives its space back: `journal_size_limit` cuts it to 8 MiB whenever it starts over; a transaction
 *   that fails on a full disk has the log cut back to its committed frames under the write lock (its own pages
 *   are never read; `wal-index.ts`); and after a transaction that failed on storage or left the log over 16 MiB
 *   (a big publish), a `TRUNCATE` checkpoint copies the log into the database and cuts it to zero — waiting at
 *   most 250 ms for readers, else the next start over of the log does it.
 * https://sqlite.org/wal.html · https://sqlite.org/pragma.html#pragma_synchronous · https://sqlite.org/lang_transaction.html
 */
import { statSync } from "node:fs";
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import type { SqlPort, SqlRow } from "../../core/store/sql-port.ts";
import { classifySqliteError } from "./sqlite-errors.ts";
import { dropUncommittedFrames } from "./wal-index.ts";

export interface NodeSqliteOptions {
  /** Path of the database file, or `:memory:` for a private in-memory database (tests). */
  path: string;
  /** How long a writer waits for the write lock, in milliseconds. Default 10,000. */
  busyTimeoutMs?: number;
  /** SQLite's page cache for this connection, in KiB. Default 8,192 (8 MiB). */
  cacheKiB?: number;
}

/** The log is cut to this size whenever it starts over (`journal_size_limit`). */
const LOG_LIMIT_BYTES = 8 << 20;
/** A transaction leaving the log bigger than this is followed by a `TRUNCATE` checkpoint. */
const BIG_LOG_BYTES = 16 << 20;
/** How long that checkpoint waits for readers (instead of the busy timeout). */
const TRUNCATE_WAIT_MS = 250;

/** Whether `error` is SQLite's "database or disk is full", raw or classified. */
const isFull = (error: unknown): boolean =>
  (error as { extra?: { storage?: unknown } } | null)?.extra?.storage === "full" ||
  ((error as { errcode?: unknown } | null)?.errcode as number) % 256 === 13;

const isStorageFailure = (error: unknown): boolean =>
  (error as { extra?: { storage?: unknown } } | null)?.extra?.storage !== undefined;

/** An open database: the port plus `close()`. */
export interface NodeSqlite extends SqlPort {
  close(): void;
}

/** Opens (creating when missing) a database and returns its port. */
export function openNodeSqlite(options: NodeSqliteOptions): NodeSqlite {
  const busyTimeoutMs = options.busyTimeoutMs ?? 10_000;
  const db = new DatabaseSync(options.path, { timeout: busyTimeoutMs });
  const onDisk = options.path !== ":memory:";
  if (onDisk) db.exec(`PRAGMA journal_mode=WAL; PRAGMA journal_size_limit=${LOG_LIMIT_BYTES}`);
  db.exec(`PRAGMA synchronous=FULL; PRAGMA cache_size=-${options.cacheKiB ?? 8192}`);
  // Gives the log's space back after a failed or big transaction (see the module comment); never throws.
  const shrinkLog = (failed: unknown) => {
    if (!onDisk) return;
    const walBytes = statSync(`${options.path}-wal`, { throwIfNoEntry: false })?.size ?? 0;
    if (failed === null ? walBytes <= BIG_LOG_BYTES : !isStorageFailure(failed)) return;
    try {
      db.exec(`PRAGMA busy_timeout=${TRUNCATE_WAIT_MS}`);
      if (isFull(failed)) {
        // SQLite has rolled the transaction back and let go of the write lock: take it again (no other writer
        // can then add frames) and cut the log back to its committed frames.
        db.exec("BEGIN IMMEDIATE");
        try {
          dropUncommittedFrames(options.path);
        } finally {
          db.exec("ROLLBACK");
        }
      }
      db.prepare("PRAGMA wal_checkpoint(TRUNCATE)").get();
    } catch {
      // Still full, or busy: the next start over of the log (or the next start) cuts it.
    } finally {
      try {
        db.exec(`PRAGMA busy_timeout=${busyTimeoutMs}`);
      } catch {
        // The connection is unusable; its next statement says so.
      }
    }
  };
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
      let failure: unknown = null;
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
        failure = committing ? classifySqliteError(error, "commit", true) : error;
        throw failure;
      } finally {
        inTransaction = false;
        shrinkLog(failure);
      }
    },
    close: () => db.close(),
  };
}
