/**
 * The database's own files in `DATA_DIR` — `shiftfeed.db`, its write-ahead log `-wal` and the log's index `-shm` —
 * checked at start and watched while running, because SQLite cannot tell when they were taken apart.
 *
 * Committed changes live in the `-wal` until a checkpoint copies them into `shiftfeed.db`. A `-wal` deleted (or
 * left behind by a copy) takes them along, and SQLite then opens what `shiftfeed.db` holds without a word. What can
 * be known: the `-shm` records how many frames of the log are committed (`mxFrame`) and how many were copied
 * (`nBackfill`), and the salt of the log they belong to. So at start (with the data dir locked, nothing else has
 * the files open) a `-shm` with uncopied frames and no `-wal`, a `-wal` with another salt, or a `-wal` shorter
 * than those frames means committed changes are gone: the start is refused with one line saying so and what to do
 * (unless the `-shm` predates this boot: then it may be staler than the log, and SQLite rebuilds it).
 * While running, a `-wal` that is no longer the file SQLite writes (deleted, replaced) is reported as an error and
 * the log is checkpointed into `shiftfeed.db` every few seconds until a restart brings a log back.
 *
 * Disk space: a start first checkpoints the log with `TRUNCATE` (giving back what a failed or large write left in
 * it), and a full disk at start is refused with one line naming `DATA_DIR` and what takes the space.
 * https://sqlite.org/walformat.html · https://sqlite.org/pragma.html#pragma_wal_checkpoint
 */
import { readFileSync, statSync } from "node:fs";
import { statfs } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../core/logger.ts";
import type { SqlPort } from "../core/store/sql-port.ts";
import { committedLogBytes, readWalIndex, readWalSalt } from "./store/wal-index.ts";
import { DATABASE_FILE } from "./data-dir.ts";
import { StartupError } from "./startup-error.ts";

/** How often a running process checks that its `-wal` is still the file SQLite writes. */
export const WAL_WATCH_MS = 2_000;

/**
 * Refuses the start when the log is missing or does not match its index (see the module comment).
 * @throws StartupError naming the file, what is lost and what to do.
 */
export function checkLogAtStart(dataDir: string): void {
  const db = join(dataDir, DATABASE_FILE);
  // A -shm last written before this boot may be older than the log (the kernel writes it back lazily and nothing
  // syncs it): after a power loss or an OS crash it says nothing reliable, and SQLite rebuilds it from the log.
  const shmWritten = statSync(`${db}-shm`, { throwIfNoEntry: false })?.mtimeMs;
  if (shmWritten === undefined || shmWritten < (bootTimeMs() ?? 0)) return;
  const index = readWalIndex(`${db}-shm`);
  if (index === null || index.mxFrame <= index.nBackfill) return; // nothing committed is only in the log
  const pending = index.mxFrame - index.nBackfill;
  const wal = `${db}-wal`;
  const size = statSync(wal, { throwIfNoEntry: false })?.size ?? null;
  let problem: string | null = null;
  const salt = size === null ? null : readWalSalt(wal);
  if (size === null) problem = `${wal} is missing`;
  else if (salt !== null && !salt.equals(index.salt)) problem = `${wal} is not the log ${db}-shm belongs to`;
  else if (size < committedLogBytes(index)) problem = `${wal} is cut short (${size} bytes)`;
  if (problem === null) return;
  throw new StartupError(
    `DATA_DIR ${JSON.stringify(dataDir)}: ${problem}, but ${db}-shm shows ${pending} committed pages in it not yet ` +
      `in ${DATABASE_FILE}: the latest changes are lost. Restore a backup, or delete ${db}-shm to start from what ` +
      `${DATABASE_FILE} holds (then publish the latest revisions again)`,
  );
}

/** When this machine booted (Linux: `btime` in /proc/stat), or `null` when unknown. */
function bootTimeMs(): number | null {
  try {
    const btime = /^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"))?.[1];
    return btime === undefined ? null : Number(btime) * 1000;
  } catch {
    return null;
  }
}

/**
 * Checkpoints the log into the database and truncates it to zero bytes when no reader is in the way.
 * @returns whether the log was wholly copied and truncated.
 */
export function truncateLog(sql: SqlPort): boolean {
  const row = sql.all("PRAGMA wal_checkpoint(TRUNCATE)")[0];
  return row !== undefined && row["busy"] === 0;
}

/**
 * Watches that the `-wal` SQLite writes is still the file of that name; when it is not (deleted or replaced
 * while running), logs an error once and checkpoints into `shiftfeed.db` on every check until a restart.
 * Call after the database is open and written (the log exists).
 */
export function watchLog(dataDir: string, sql: SqlPort, logger: Logger): { stop(): void } {
  const wal = join(dataDir, `${DATABASE_FILE}-wal`);
  const inode = () => statSync(wal, { throwIfNoEntry: false })?.ino ?? null;
  const ours = inode();
  let reported = false;
  const timer = setInterval(() => {
    if (ours === null || inode() === ours) return;
    if (!reported) {
      reported = true;
      logger.error("wal_missing", {
        message:
          `${wal} was deleted or replaced while shiftfeed runs: changes are copied into ${DATABASE_FILE} every ` +
          `${WAL_WATCH_MS / 1000} s until a restart; restart shiftfeed (a clean stop keeps every change) and never ` +
          "delete or copy the -wal on its own",
      });
    }
    try {
      sql.all("PRAGMA wal_checkpoint(FULL)");
    } catch (error) {
      logger.error("wal_checkpoint_failed", { error: String(error) });
    }
  }, WAL_WATCH_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/**
 * A {@link StartupError} for a full disk at start (the error names the kind `full`, from `sqlite-errors.ts`, or
 * SQLite's code 13), naming `DATA_DIR`, the space left and what takes it; `null` for any other error.
 */
export async function diskFullAtStart(error: unknown, dataDir: string): Promise<StartupError | null> {
  const storage = (error as { extra?: { storage?: unknown } } | null)?.extra?.storage;
  const code = (error as { errcode?: unknown } | null)?.errcode;
  const full =
    storage === "full" ||
    (typeof code === "number" && (code & 0xff) === 13) ||
    (error as NodeJS.ErrnoException | null)?.code === "ENOSPC";
  if (!full) return null;
  const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
  const space = await statfs(dataDir).then(
    (s) => `${mib(s.bavail * s.bsize)} free of ${mib(s.blocks * s.bsize)}`,
    () => "no space left",
  );
  const files = ["", "-wal", "-shm"]
    .map((suffix) => {
      const size = statSync(join(dataDir, DATABASE_FILE + suffix), { throwIfNoEntry: false })?.size;
      return size === undefined ? null : `${DATABASE_FILE}${suffix} ${mib(size)}`;
    })
    .filter((f) => f !== null)
    .join(", ");
  return new StartupError(
    `DATA_DIR ${JSON.stringify(dataDir)} is full (${space} on its file system; ${files}): free space there or ` +
      "give it more, then start again (shiftfeed gives back what its log holds beyond the data at the next start)",
  );
}

/**
 * The start-up error for a `shiftfeed.db` SQLite cannot read as a database (`SQLITE_NOTADB`, `SQLITE_CORRUPT`):
 * one line naming DATA_DIR, the file and what to do, or `null` for any other error.
 */
export function damagedAtStart(error: unknown, dataDir: string): StartupError | null {
  const storage = (error as { extra?: { storage?: unknown } } | null)?.extra?.storage;
  const code = (error as { errcode?: unknown } | null)?.errcode;
  const primary = typeof code === "number" ? code & 0xff : null;
  const shown = JSON.stringify(dataDir);
  if (primary === 26) {
    return new StartupError(
      `DATA_DIR ${shown}: ${DATABASE_FILE} is not a SQLite database (damaged or another program's file): ` +
        "restore a backup into a new DATA_DIR (docs/operations.md › Backup and restore)",
    );
  }
  if (primary === 11 || storage === "corrupt") {
    return new StartupError(
      `DATA_DIR ${shown}: ${DATABASE_FILE} is damaged (${(error as Error).message.split("\n")[0]}): restore a ` +
        "backup into a new DATA_DIR (docs/operations.md › Backup and restore)",
    );
  }
  return null;
}
