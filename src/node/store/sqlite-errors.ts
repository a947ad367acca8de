/**
 * SQLite's result codes (https://sqlite.org/rescode.html) as the core's storage failures (`storage-error.ts`):
 * the primary code is the low byte of the extended code `node:sqlite` puts on its errors (`errcode`), and its
 * text (`errstr`) is kept as the detail. Codes that mean a bug (a constraint, misuse) are not storage failures.
 */
import { storageError, type StorageFailure, type StoragePhase } from "../../core/store/storage-error.ts";

const KINDS: Record<number, StorageFailure> = {
  5: "busy", // SQLITE_BUSY
  6: "busy", // SQLITE_LOCKED
  8: "read_only", // SQLITE_READONLY
  10: "io", // SQLITE_IOERR (and every SQLITE_IOERR_*)
  11: "corrupt", // SQLITE_CORRUPT
  13: "full", // SQLITE_FULL
  14: "cannot_open", // SQLITE_CANTOPEN
  26: "corrupt", // SQLITE_NOTADB
};

/** Extended I/O error codes worth naming: which call failed. */
const IO_CALLS: Record<number, string> = {
  266: "a read failed", // SQLITE_IOERR_READ
  522: "a read came back short", // SQLITE_IOERR_SHORT_READ
  778: "a write failed", // SQLITE_IOERR_WRITE
  1034: "an fsync failed", // SQLITE_IOERR_FSYNC
  1290: "an fsync of the folder failed", // SQLITE_IOERR_DIR_FSYNC
  1546: "a truncate failed", // SQLITE_IOERR_TRUNCATE
  4874: "growing the shared-memory file failed", // SQLITE_IOERR_SHMSIZE
};

/** `error` as a storage failure when SQLite reported one, else `error` itself. */
export function classifySqliteError(error: unknown, phase: StoragePhase, inTransaction: boolean): unknown {
  const code = (error as { errcode?: unknown } | null)?.errcode;
  if (typeof code !== "number") return error;
  const kind = KINDS[code & 0xff];
  if (kind === undefined) return error;
  const text = (error as { errstr?: unknown }).errstr;
  const call = IO_CALLS[code];
  const detail = `${typeof text === "string" ? text : String((error as Error).message)}${call ? ` (${call})` : ""}`;
  return storageError(kind, phase, detail, inTransaction);
}
