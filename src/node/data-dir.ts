/**
 * The data dir on Node: made usable (or refused with a clear reason) and owned by one shiftfeed process.
 *
 * Ownership is an exclusive SQLite lock on `DATA_DIR/instance.lock` (a POSIX advisory lock taken through
 * `node:sqlite`, no native addon): the kernel drops it when the owner exits, even on `SIGKILL`, so a crash never
 * leaves a stale lock behind, and a second process on the same data dir is refused before it touches anything.
 * POSIX locks belong to the process and go when it closes *any* descriptor of the file (fcntl(2)), so nothing in
 * this process may open the lock file but this module.
 *
 * The data dir holds staff names, emails and phone numbers: it is kept `0700` and every file shiftfeed writes in
 * it `0600`, whatever the umask. SQLite creates `-wal` and `-shm` with the mode of the database file, so the
 * database file is created here, `0600`, before SQLite opens it; a data dir made looser earlier is tightened at
 * start (or, when this process may not, the command to run is said).
 */
import { access, chmod, constants, mkdir, open, readFile, stat, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { StartupError } from "./startup-error.ts";

/** Name of the lock file inside the data dir. */
export const LOCK_FILE = "instance.lock";
/** The database file inside `DATA_DIR` (SQLite adds `-wal` and `-shm` next to it). */
export const DATABASE_FILE = "shiftfeed.db";
/** Who holds the lock, for the refusal message (informational only: the lock itself is the SQLite lock). */
const OWNER_FILE = "instance.json";
/** Mode of the data dir (and of folders shiftfeed creates in it) and of every file shiftfeed writes there. */
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
/** The generated secrets' folder and files (`secrets.ts` creates them so). */
const SECRETS = "secrets";
const SECRET_FILES = ["admin-token", "feed-secret"];
/** The files whose mode is kept at {@link FILE_MODE}. */
const PRIVATE_FILES = [
  DATABASE_FILE,
  `${DATABASE_FILE}-wal`,
  `${DATABASE_FILE}-shm`,
  LOCK_FILE,
  `${LOCK_FILE}-journal`,
  OWNER_FILE,
];

/** The lock on a data dir; `release()` gives it up (it also goes with the process). */
export interface DataDirLock {
  release(): void;
}

/** Creates `dir` (and parents) when missing; refuses a path that is not a writable folder. */
export async function prepareDataDir(dir: string): Promise<void> {
  const shown = JSON.stringify(dir);
  try {
    await mkdir(dir, { recursive: true, mode: DIR_MODE });
  } catch (error) {
    throw await cannotCreate(dir, (error as NodeJS.ErrnoException).code ?? "error", error);
  }
  if (!(await stat(dir)).isDirectory()) {
    throw new StartupError(`DATA_DIR ${shown} is not a folder; set DATA_DIR to a folder`);
  }
  try {
    await access(dir, constants.W_OK | constants.R_OK | constants.X_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "EACCES";
    throw new StartupError(`DATA_DIR ${shown} is not writable (${code}); set DATA_DIR to a writable folder`);
  }
}

/**
 * Why `dir` could not be created, naming the path at fault: the data dir itself or the folder above it that is a
 * file, or the nearest existing folder that cannot be written (a read-only file system says so; `mkdir` reports
 * it as `ENOENT` when a parent is missing).
 */
async function cannotCreate(dir: string, code: string, error: unknown): Promise<Error> {
  const shown = JSON.stringify(dir);
  let path = resolve(dir);
  for (;;) {
    const found = await stat(path).catch(() => null);
    if (found !== null) {
      if (!found.isDirectory()) {
        return new StartupError(
          path === resolve(dir)
            ? `DATA_DIR ${shown} is not a folder (a file has that name); set DATA_DIR to a folder`
            : `DATA_DIR ${shown} cannot be created: ${JSON.stringify(path)} is a file, not a folder; set DATA_DIR ` +
                "to a folder",
        );
      }
      const denied = await access(path, constants.W_OK).then(
        () => null,
        (e: NodeJS.ErrnoException) => e.code ?? "EACCES",
      );
      if (denied === "EROFS") {
        return new StartupError(
          `DATA_DIR ${shown} cannot be created: ${JSON.stringify(path)} is on a read-only file system (EROFS); ` +
            "set DATA_DIR to a folder on a writable one",
        );
      }
      if (denied !== null || code === "EACCES" || code === "EPERM" || code === "EROFS") {
        return new StartupError(
          `DATA_DIR ${shown} cannot be created in ${JSON.stringify(path)} (${denied ?? code}); set DATA_DIR to ` +
            "a writable folder",
        );
      }
      return error as Error;
    }
    const parent = dirname(path);
    if (parent === path) return error as Error;
    path = parent;
  }
}

/**
 * Takes the data dir for this process, or throws a {@link StartupError} naming the process that has it.
 * Must run before anything else reads or writes the data dir.
 */
export async function lockDataDir(dir: string, owner: { port: number; host: string }): Promise<DataDirLock> {
  await createPrivateFile(join(dir, LOCK_FILE));
  const db = new DatabaseSync(join(dir, LOCK_FILE));
  try {
    // In EXCLUSIVE locking mode the lock a write takes is kept until the connection closes.
    db.exec(
      "PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE;" +
        "CREATE TABLE IF NOT EXISTS owner (pid INTEGER); DELETE FROM owner;" +
        `INSERT INTO owner VALUES (${process.pid}); COMMIT;`,
    );
  } catch (error) {
    db.close();
    if ((error as { errcode?: number }).errcode !== 5 /* SQLITE_BUSY */) throw error;
    throw new StartupError(
      `DATA_DIR ${JSON.stringify(dir)} is in use by another shiftfeed process${await describeOwner(dir)}; ` +
        "stop it first, or give this one its own DATA_DIR",
    );
  }
  const info = { pid: process.pid, host: hostname(), port: owner.port, bind: owner.host, since: new Date() };
  await writeFile(join(dir, OWNER_FILE), JSON.stringify(info) + "\n", { mode: FILE_MODE }).catch(
    () => undefined,
  );
  return { release: () => db.close() };
}

/** " (pid 123 on host, port 8787, since …)" from the owner file, or "" when it cannot be read. */
async function describeOwner(dir: string): Promise<string> {
  try {
    const info = JSON.parse(await readFile(join(resolve(dir), OWNER_FILE), "utf8")) as {
      pid?: number;
      host?: string;
      port?: number;
      since?: string;
    };
    return ` (pid ${info.pid} on ${info.host}, port ${info.port}, since ${info.since})`;
  } catch {
    return "";
  }
}

/**
 * Makes the data dir `0700` and the files shiftfeed keeps in it `0600` (creating the database file so, so that
 * SQLite gives its `-wal` and `-shm` the same mode). Runs with the data dir locked, before the database is opened.
 * @returns one line for the log when something was looser (what was tightened, or what to run when this process
 *   may not change it), else `null`.
 */
export async function tightenDataDir(dir: string): Promise<string | null> {
  await createPrivateFile(join(dir, DATABASE_FILE));
  const loose: { path: string; mode: number; want: number }[] = [];
  const check = async (path: string, want: number) => {
    const found = await stat(path).catch(() => null);
    if (found !== null && (found.mode & 0o777 & ~want) !== 0)
      loose.push({ path, mode: found.mode & 0o777, want });
  };
  await check(dir, DIR_MODE);
  for (const name of PRIVATE_FILES) await check(join(dir, name), FILE_MODE);
  await check(join(dir, SECRETS), DIR_MODE);
  for (const name of SECRET_FILES) await check(join(dir, SECRETS, name), FILE_MODE);
  if (loose.length === 0) return null;
  const shown = JSON.stringify(dir);
  const modes = loose
    .map((f) => `${f.path === dir ? "DATA_DIR" : relative(dir, f.path)} ${octal(f.mode)}`)
    .join(", ");
  const failed: string[] = [];
  for (const f of loose) {
    await chmod(f.path, f.want).catch((error: NodeJS.ErrnoException) => failed.push(error.code ?? "error"));
  }
  if (failed.length === 0) {
    return `DATA_DIR ${shown} was readable by others (${modes}): made the folder 0700 and its files 0600`;
  }
  return (
    `DATA_DIR ${shown} is readable by others (${modes}) and this process may not change that (${failed[0]}); ` +
    `run: chmod -R go-rwx ${shown}`
  );
}

/** Creates `path` empty with mode 0600 when it does not exist (an existing file is left as it is). */
async function createPrivateFile(path: string): Promise<void> {
  const handle = await open(path, constants.O_WRONLY | constants.O_CREAT, FILE_MODE);
  await handle.close();
}

const octal = (mode: number) => `0${mode.toString(8)}`;
