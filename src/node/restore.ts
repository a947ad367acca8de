/**
 * Restores a backup (see `backup.ts`) into an empty data dir, so `npm start` on it serves exactly what the backup
 * holds. Only into an empty (or new) folder: restoring over a live data dir would mix two states, and the folder's
 * lock keeps a service from starting on it halfway. The backup is checked first (a SQLite file, `integrity_check`,
 * a schema version this build reads), then copied through SQLite's backup API into a temporary file that is renamed
 * to `shiftfeed.db`: the data dir never holds half a database. Modes: folder 0700, database and secrets 0600.
 */
import { closeSync, openSync } from "node:fs";
import { chmod, mkdir, open, readdir, realpath, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { backup, DatabaseSync } from "node:sqlite";
import { SECRETS_TABLE } from "./backup.ts";
import {
  checkDatabase,
  DatabaseFileError,
  requireSqliteFile,
  type DatabaseSummary,
} from "./database-check.ts";
import { LOCK_FILE, lockDataDir } from "./data-dir.ts";
import { isInsideFolder } from "./path-inside.ts";
import { DATABASE_FILE } from "./server.ts";
import { StartupError } from "./startup-error.ts";

export interface RestoreResult extends DatabaseSummary {
  /** The database written (`DATA_DIR/shiftfeed.db`). */
  database: string;
  /** The secrets written to `DATA_DIR/secrets/` (empty when the backup carries none). */
  secrets: string[];
  totalMs: number;
}

/**
 * Restores `file` into `dataDir`, which must be empty or missing.
 * @throws DatabaseFileError with one line saying what is wrong (folder not empty, not a database, newer schema, …).
 */
export async function restoreDataDir(options: { dataDir: string; file: string }): Promise<RestoreResult> {
  const started = performance.now();
  const { dataDir, file } = options;
  await requireOutside(file, dataDir);
  await requireEmpty(dataDir);
  await requireSqliteFile(file);
  const leftovers = await sideFilesToRemove(file);
  const source = openBackup(file);
  try {
    const summary = checkDatabase(source, file, true);
    const secrets = readSecrets(source);
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await chmod(dataDir, 0o700);
    let lock;
    try {
      lock = await lockDataDir(dataDir, { port: 0, host: "restore" });
    } catch (error) {
      if (error instanceof StartupError) throw new DatabaseFileError(error.message);
      throw error;
    }
    try {
      const database = join(dataDir, DATABASE_FILE);
      const temp = join(dataDir, `.${DATABASE_FILE}.restore.tmp`);
      try {
        closeSync(openSync(temp, "wx", 0o600));
        await backup(source, temp);
        dropSecrets(temp);
        const handle = await open(temp, "r+");
        await handle.sync();
        await handle.close();
        await rename(temp, database);
      } finally {
        await rm(temp, { force: true });
        await rm(`${temp}-journal`, { force: true });
      }
      if (secrets.size > 0) {
        const dir = join(dataDir, "secrets");
        await mkdir(dir, { mode: 0o700 });
        for (const [name, value] of secrets) {
          await writeFile(join(dir, name), value, { mode: 0o600, flag: "wx" });
        }
      }
      return {
        ...summary,
        database,
        secrets: [...secrets.keys()],
        totalMs: Math.round(performance.now() - started),
      };
    } finally {
      lock.release();
    }
  } finally {
    source.close();
    await leftovers();
  }
}

/**
 * Reading a database in WAL mode (a copy of a stopped service's file) creates an empty `-wal` and an `-shm` beside
 * it that a read-only connection cannot remove: the returned step removes those it created, so a restore leaves
 * the backup's folder as it found it.
 */
async function sideFilesToRemove(file: string): Promise<() => Promise<void>> {
  const absent = async (path: string) =>
    !(await stat(path).then(
      () => true,
      () => false,
    ));
  const created = [
    (await absent(`${file}-wal`)) && `${file}-wal`,
    (await absent(`${file}-shm`)) && `${file}-shm`,
  ];
  return async () => {
    for (const path of created) {
      if (path === false) continue;
      const size = await stat(path).then(
        (s) => s.size,
        () => null,
      );
      if (size === 0 || path.endsWith("-shm")) await rm(path, { force: true });
    }
  };
}

/**
 * Refuses a source inside the folder it would fill, and a data dir's own database (`shiftfeed.db`, its `-wal` or
 * `-shm` beside an `instance.lock`): a live database is backed up with `shiftfeed backup`, not read as one.
 */
async function requireOutside(file: string, dataDir: string): Promise<void> {
  const real = await realpath(file).catch(() => resolve(file));
  if (await isInsideFolder(real, dataDir)) {
    throw new DatabaseFileError(
      `${file} is inside DATA_DIR ${JSON.stringify(dataDir)}: restore from a backup kept outside the data dir`,
    );
  }
  const name = basename(real);
  const own = [DATABASE_FILE, `${DATABASE_FILE}-wal`, `${DATABASE_FILE}-shm`].includes(name);
  if (
    own &&
    (await stat(join(dirname(real), LOCK_FILE)).then(
      () => true,
      () => false,
    ))
  ) {
    throw new DatabaseFileError(
      `${file} is the database of the data dir ${JSON.stringify(dirname(real))}: back it up with ` +
        `\`DATA_DIR=${dirname(real)} shiftfeed backup <file>\` and restore that file`,
    );
  }
}

/** Refuses a data dir that exists and holds anything, or is not a folder. */
async function requireEmpty(dataDir: string): Promise<void> {
  const shown = JSON.stringify(dataDir);
  let entries: string[];
  try {
    if (!(await stat(dataDir)).isDirectory()) {
      throw new DatabaseFileError(`DATA_DIR ${shown} is not a folder: restore into an empty or new folder`);
    }
    entries = await readdir(dataDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    if (error instanceof DatabaseFileError) throw error;
    throw new DatabaseFileError(`cannot read DATA_DIR ${shown}: ${(error as Error).message}`);
  }
  if (entries.length > 0) {
    const listed = entries.sort().slice(0, 3).join(", ") + (entries.length > 3 ? ", …" : "");
    throw new DatabaseFileError(
      `DATA_DIR ${shown} is not empty (${listed}): restore only into an empty or new folder, never over a data dir`,
    );
  }
}

function openBackup(file: string): DatabaseSync {
  try {
    return new DatabaseSync(file, { readOnly: true });
  } catch (error) {
    throw new DatabaseFileError(`cannot open ${file} as a database: ${(error as Error).message}`);
  }
}

/** The secrets a backup made with `--with-secrets` carries, by name. */
function readSecrets(db: DatabaseSync): Map<string, string> {
  const present = db
    .prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?")
    .get(SECRETS_TABLE);
  if (present === undefined) return new Map();
  const rows = db.prepare(`SELECT name, value FROM ${SECRETS_TABLE} ORDER BY name`).all();
  return new Map(
    rows
      .map((row) => [String(row["name"]), String(row["value"])] as const)
      .filter(([name]) => /^[a-z0-9][a-z0-9-]*$/.test(name)),
  );
}

/** The restored database keeps no copy of the secrets (their pages are overwritten, not only freed). */
function dropSecrets(path: string): void {
  const db = new DatabaseSync(path);
  try {
    db.exec(`PRAGMA secure_delete=ON; DROP TABLE IF EXISTS ${SECRETS_TABLE}`);
  } finally {
    db.close();
  }
}
