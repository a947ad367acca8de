/**
 * An online backup of a data dir: a consistent copy of `shiftfeed.db` taken while the service runs and publishes.
 *
 * Copying the file is not a backup: in WAL mode the newest commits live in `shiftfeed.db-wal` until a checkpoint
 * moves them, so a `cp` of the database alone silently lacks them (a rotated link or a revoked partner key comes
 * back alive). This copy goes through SQLite's backup API (`node:sqlite`'s `backup()`) from a connection that holds
 * one read transaction for the whole copy: every page comes from the same committed state, WAL frames included, and
 * in WAL mode a reader never blocks the service's writers (a publish commits while the copy runs; the copy simply
 * does not contain it). The copy is then switched to a rollback journal (one self-contained file), checked with
 * `quick_check`, flushed, and renamed into place: the output is either absent or whole, mode 0600.
 *
 * Secrets are not in the database. With `withSecrets` the files of `DATA_DIR/secrets/` (the feed secret, the admin
 * token) are written into the copy's `backup_secrets` table, for `restore` to put back; secrets given in the
 * environment are never seen here and must be kept with the service's environment.
 */
import { closeSync, fsyncSync, openSync } from "node:fs";
import { link, open, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { backup, DatabaseSync } from "node:sqlite";
import { checkDatabase, DatabaseFileError, type DatabaseSummary } from "./database-check.ts";
import { isInsideFolder, realLocation } from "./path-inside.ts";
import { DATABASE_FILE } from "./server.ts";

/** The table of the backup copy that carries the secrets (`--with-secrets`); `restore` takes it out again. */
export const SECRETS_TABLE = "backup_secrets";
/** Pages copied per step: 16 MiB of 4 KiB pages; the read transaction spans all steps, so nothing restarts. */
const PAGES_PER_STEP = 4096;
/** Names of the files in `DATA_DIR/secrets/` a backup carries. */
const SECRET_NAME = /^[a-z0-9][a-z0-9-]*$/;

export interface BackupOptions {
  /** The data dir of the service (`DATA_DIR`). */
  dataDir: string;
  /** Where the backup goes. */
  file: string;
  /** Replace `file` when it exists (otherwise refused). */
  force?: boolean;
  /** Carry the files of `DATA_DIR/secrets/` in the backup. */
  withSecrets?: boolean;
}

export interface BackupResult extends DatabaseSummary {
  /** The database that was copied. */
  source: string;
  /** The backup written. */
  file: string;
  bytes: number;
  /** Time the copy took, in ms (the read transaction was open this long). */
  copyMs: number;
  /** Time the whole backup took, check and flush included, in ms. */
  totalMs: number;
  /** The names of the secrets the backup carries (empty without `withSecrets`). */
  secrets: string[];
  /** Secrets `DATA_DIR/secrets/` lacks (they come from the environment, or were never generated). */
  missingSecrets: string[];
}

/**
 * Backs up the data dir's database to `options.file` while the service may run.
 * @throws DatabaseFileError with one line saying what is wrong (no database, output exists, not writable, …).
 */
export async function backupDataDir(options: BackupOptions): Promise<BackupResult> {
  const started = performance.now();
  const source = join(options.dataDir, DATABASE_FILE);
  const file = resolve(options.file);
  await requireSource(source, options.dataDir);
  if (await isInsideFolder(await realLocation(file), options.dataDir)) {
    // `--force` or not: a rename over `shiftfeed.db` or its `-wal` under a running service loses what it holds.
    throw new DatabaseFileError(
      `${options.file} is inside DATA_DIR ${JSON.stringify(options.dataDir)}: write the backup outside the data dir`,
    );
  }
  if (!options.force && (await exists(file))) {
    throw new DatabaseFileError(`${options.file} already exists: pass --force to replace it`);
  }
  const secrets = options.withSecrets ? await readSecrets(options.dataDir) : new Map<string, string>();
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    try {
      closeSync(openSync(temp, "wx", 0o600)); // the copy is born 0600: it holds names, emails and phone numbers
    } catch (error) {
      throw new DatabaseFileError(`cannot write ${options.file}: ${(error as Error).message}`);
    }
    const copyStarted = performance.now();
    await copyDatabase(source, temp);
    const copyMs = performance.now() - copyStarted;
    const summary = finishCopy(temp, options.file, secrets);
    await flush(temp);
    await place(temp, file, options);
    return {
      ...summary,
      source,
      file,
      bytes: (await stat(file)).size,
      copyMs: Math.round(copyMs),
      totalMs: Math.round(performance.now() - started),
      secrets: [...secrets.keys()],
      missingSecrets: options.withSecrets
        ? ["feed-secret", "admin-token"].filter((name) => !secrets.has(name))
        : [],
    };
  } finally {
    await rm(temp, { force: true });
    await rm(`${temp}-journal`, { force: true });
  }
}

async function requireSource(source: string, dataDir: string): Promise<void> {
  if (!(await exists(source))) {
    throw new DatabaseFileError(
      `no database in DATA_DIR ${JSON.stringify(dataDir)} (${DATABASE_FILE} is missing): set DATA_DIR to the ` +
        "service's data dir",
    );
  }
}

/** Copies `source` into the (empty) file `target` from one read transaction. */
async function copyDatabase(source: string, target: string): Promise<void> {
  let db: DatabaseSync;
  try {
    // Not read-only: a read-only connection to a stopped service's database leaves an `-shm` and `-wal` behind,
    // which the last read-write connection to close removes. This one only reads.
    db = new DatabaseSync(source, { timeout: 10_000 });
  } catch (error) {
    throw new DatabaseFileError(`cannot open ${source}: ${(error as Error).message}`);
  }
  try {
    // The read transaction starts with the first read and holds this snapshot until COMMIT: the service's
    // commits meanwhile neither wait for it nor restart the copy.
    db.exec("BEGIN");
    db.prepare("SELECT count(*) FROM sqlite_schema").get();
    await backup(db, target, { rate: PAGES_PER_STEP });
    db.exec("COMMIT");
  } catch (error) {
    if (error instanceof DatabaseFileError) throw error;
    throw new DatabaseFileError(`cannot back up ${source}: ${(error as Error).message}`);
  } finally {
    db.close();
  }
}

/** Makes the copy one self-contained file, adds the secrets, and checks it. */
function finishCopy(temp: string, shown: string, secrets: Map<string, string>): DatabaseSummary {
  const db = new DatabaseSync(temp);
  try {
    db.exec("PRAGMA journal_mode=DELETE");
    if (secrets.size > 0) {
      db.exec(`CREATE TABLE ${SECRETS_TABLE} (name TEXT PRIMARY KEY, value TEXT NOT NULL)`);
      const insert = db.prepare(`INSERT INTO ${SECRETS_TABLE} (name, value) VALUES (?, ?)`);
      for (const [name, value] of secrets) insert.run(name, value);
    }
    return checkDatabase(db, shown, false);
  } finally {
    db.close();
  }
}

/** The files of `DATA_DIR/secrets/`, by name. */
async function readSecrets(dataDir: string): Promise<Map<string, string>> {
  const dir = join(dataDir, "secrets");
  const secrets = new Map<string, string>();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return secrets;
    throw new DatabaseFileError(`cannot read ${dir}: ${(error as Error).message}`);
  }
  for (const name of names.sort()) {
    if (!SECRET_NAME.test(name)) continue;
    const path = join(dir, name);
    if (!(await stat(path)).isFile()) continue;
    secrets.set(name, await readFile(path, "utf8"));
  }
  return secrets;
}

/** Flushes the file to the disk before it gets its name. */
export async function flush(path: string): Promise<void> {
  const handle = await open(path, "r+");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Gives the finished copy its name: never over an existing file unless `force`; then flushes the folder. */
export async function place(
  temp: string,
  file: string,
  options: Pick<BackupOptions, "file" | "force">,
): Promise<void> {
  if (options.force) await rename(temp, file);
  else {
    try {
      await link(temp, file); // fails if `file` appeared meanwhile, where a rename would replace it
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EEXIST")
        throw new DatabaseFileError(`${options.file} already exists: pass --force to replace it`);
      if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EXDEV") throw error;
      await rename(temp, file); // a file system without hard links: checked above, so this is a small window
    }
  }
  try {
    const dir = openSync(dirname(file), "r");
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch {
    // some file systems cannot sync a folder; the file itself is flushed
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
