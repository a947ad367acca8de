/**
 * What SQLite's `-shm` file says about a database's write-ahead log (https://sqlite.org/walformat.html §2.1): how
 * many frames of the log are committed and how many of them are copied into the database, and the salt of the log
 * they belong to. Read to check a log at start, and to give back what a failed write left in the log.
 */
import { ftruncateSync, openSync, closeSync, readFileSync, readSync, fstatSync } from "node:fs";
import { endianness } from "node:os";

/** The `-shm` header (its first copy, when both copies agree). */
export interface WalIndex {
  pageSize: number;
  /** Frames of the log that are committed. */
  mxFrame: number;
  /** Of those, how many are copied into the database. */
  nBackfill: number;
  /** The salt of the log these frames are in (bytes 16–23 of its header). */
  salt: Buffer;
}

/** Bytes of the log's header and of each frame's header. */
const LOG_HEADER = 32;
const FRAME_HEADER = 24;

/** Reads a `-shm` header, or `null` when the file is absent, short, not initialised, or mid-update. */
export function readWalIndex(shmPath: string): WalIndex | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(shmPath);
  } catch {
    return null;
  }
  if (bytes.length < 136) return null;
  const le = endianness() === "LE";
  const u32 = (at: number) => (le ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at));
  const u16 = (at: number) => (le ? bytes.readUInt16LE(at) : bytes.readUInt16BE(at));
  // Two copies of the 48-byte header; a writer updates one then the other, so they differ only mid-write.
  if (!bytes.subarray(0, 48).equals(bytes.subarray(48, 96))) return null;
  if (u32(0) !== 3007000 || bytes[12] !== 1) return null;
  const size = u16(14);
  return {
    pageSize: size === 1 ? 65536 : size,
    mxFrame: u32(16),
    nBackfill: u32(96),
    salt: Buffer.from(bytes.subarray(32, 40)),
  };
}

/** Bytes of a log holding `index.mxFrame` frames (0 when it holds none). */
export function committedLogBytes(index: WalIndex): number {
  return index.mxFrame === 0 ? 0 : LOG_HEADER + index.mxFrame * (FRAME_HEADER + index.pageSize);
}

/**
 * Cuts the log of `databasePath` back to its committed frames, giving back the space the pages of a transaction
 * that failed took (they are never read: readers stop at the committed frames, and the next writer writes
 * after them). Only the connection that holds the write lock — inside the failed transaction, before its
 * rollback — may call this, as SQLite itself cuts the log (`journal_size_limit`). Never throws.
 */
export function dropUncommittedFrames(databasePath: string): void {
  const index = readWalIndex(`${databasePath}-shm`);
  if (index === null) return;
  let fd: number | null = null;
  try {
    fd = openSync(`${databasePath}-wal`, "r+");
    const keep = committedLogBytes(index);
    if (fstatSync(fd).size > keep) ftruncateSync(fd, keep);
  } catch {
    // Nothing given back; the next checkpoint or start does it.
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** The salt in a log's header, or `null` when the log is shorter than its header. */
export function readWalSalt(walPath: string): Buffer | null {
  const header = Buffer.alloc(LOG_HEADER);
  const fd = openSync(walPath, "r");
  try {
    return readSync(fd, header, 0, LOG_HEADER, 0) === LOG_HEADER ? header.subarray(16, 24) : null;
  } finally {
    closeSync(fd);
  }
}
