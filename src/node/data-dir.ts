/**
 * The data dir on Node: made usable (or refused with a clear reason) and owned by one shiftfeed process.
 *
 * Ownership is an exclusive SQLite lock on `DATA_DIR/instance.lock` (a POSIX advisory lock taken through
 * `node:sqlite`, no native addon): the kernel drops it when the owner exits, even on `SIGKILL`, so a crash never
 * leaves a stale lock behind, and a second process on the same data dir is refused before it touches anything.
 * POSIX locks belong to the process and go when it closes *any* descriptor of the file (fcntl(2)), so nothing in
 * this process may open the lock file but this module.
 */
import { mkdir, readFile, stat, writeFile, access, constants } from "node:fs/promises";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { StartupError } from "./startup-error.ts";

/** Name of the lock file inside the data dir. */
export const LOCK_FILE = "instance.lock";
/** Who holds the lock, for the refusal message (informational only: the lock itself is the SQLite lock). */
const OWNER_FILE = "instance.json";

/** The lock on a data dir; `release()` gives it up (it also goes with the process). */
export interface DataDirLock {
  release(): void;
}

/** Creates `dir` (and parents) when missing; refuses a path that is not a writable folder. */
export async function prepareDataDir(dir: string): Promise<void> {
  const shown = JSON.stringify(dir);
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST" || code === "ENOTDIR") {
      throw new StartupError(
        `DATA_DIR ${shown} is not a folder (a file has that name); set DATA_DIR to a folder`,
      );
    }
    if (code === "EACCES" || code === "EPERM" || code === "EROFS") {
      throw new StartupError(
        `DATA_DIR ${shown} cannot be created (${code}); set DATA_DIR to a writable folder`,
      );
    }
    throw error;
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
 * Takes the data dir for this process, or throws a {@link StartupError} naming the process that has it.
 * Must run before anything else reads or writes the data dir.
 */
export async function lockDataDir(dir: string, owner: { port: number; host: string }): Promise<DataDirLock> {
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
  await writeFile(join(dir, OWNER_FILE), JSON.stringify(info) + "\n").catch(() => undefined);
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
