/**
 * `shiftfeed backup --url <worker> --org <org> <file>`: one organization of a Worker, read through its admin
 * backup route a page at a time (`src/worker/backup-routes.ts`), written into a SQLite file of the shared schema —
 * the same kind of file `shiftfeed backup` makes of a Node data dir, so it restores into a Node data dir
 * (`shiftfeed restore`) or into a Worker (`shiftfeed restore --url`).
 *
 * The pages are not one transaction: each says how many changes the organization has seen, and when that moved
 * during the backup (a publish, a rotation, the roll) the file is thrown away and the backup starts again, up to
 * {@link ATTEMPTS} times. The copy is written beside `file`, mode 0600, checked (`quick_check`, schema version,
 * every content table's rows as counted at the start), flushed, then renamed: `file` is absent or whole.
 */
import { closeSync, openSync } from "node:fs";
import { rm, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { DatabaseSync } from "node:sqlite";
import { BACKUP_TABLES, columnList, CONTENT_TABLES, decodeRows } from "../core/store/backup-tables.ts";
import { FINGERPRINT_KEY } from "../core/store/feed-secret-check.ts";
import { ensureSchema, SCHEMA_VERSION, writeMeta } from "../core/store/schema.ts";
import type { SqlValue } from "../core/store/sql-port.ts";
import { flush, place } from "../node/backup.ts";
import { checkDatabase, DatabaseFileError, type DatabaseSummary } from "../node/database-check.ts";
import { openNodeSqlite } from "../node/store/node-sqlite.ts";
import { CliFailure } from "./context.ts";

/** Whole backups tried while the organization keeps changing under them. */
export const ATTEMPTS = 3;
/** Longest wait for the organization's jobs to finish before a backup starts, and the wait between looks. */
const JOBS_WAIT_MS = 120_000;
const JOBS_POLL_MS = 1_000;

/** What `GET /admin/orgs/{org}/backup` answers. */
interface Summary {
  org: string;
  schema: number;
  feedSecretFingerprint: string | null;
  tables: Record<string, number>;
  changes: number;
  /** Jobs queued or running. */
  jobs: number;
}

interface Page {
  rows: unknown[];
  next: SqlValue[] | null;
  changes: number;
}

/** The admin calls the backup makes. */
export type Call = <T>(method: string, path: string, body?: unknown) => Promise<T>;

export interface WorkerBackupResult extends DatabaseSummary {
  org: string;
  url: string;
  file: string;
  bytes: number;
  /** Rows written per table. */
  rows: Record<string, number>;
  attempts: number;
  totalMs: number;
}

/** The organization changed while it was read: the copy is not one state of it. */
class Moved extends Error {}

/**
 * Backs up one organization of the Worker at `url` into `file`.
 * @throws CliFailure naming what is wrong (no such organization, a newer schema, output exists, kept changing).
 */
export async function backupWorkerOrg(options: {
  call: Call;
  url: string;
  org: string;
  file: string;
  force?: boolean;
}): Promise<WorkerBackupResult> {
  const started = performance.now();
  const file = resolve(options.file);
  if (!options.force && (await exists(file)))
    throw new CliFailure(`${options.file} already exists: pass --force to replace it`);
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  const base = `/admin/orgs/${encodeURIComponent(options.org)}/backup`;
  try {
    for (let attempt = 1; ; attempt++) {
      await rm(temp, { force: true });
      try {
        closeSync(openSync(temp, "wx", 0o600)); // names, emails and phone numbers: born 0600
      } catch (error) {
        throw new CliFailure(`cannot write ${options.file}: ${(error as Error).message}`);
      }
      try {
        const rows = await copyOrg(options.call, base, options.org, temp);
        const summary = finish(temp, options.file);
        await flush(temp);
        await place(temp, file, { file: options.file, force: options.force === true });
        return {
          ...summary,
          org: options.org,
          url: options.url,
          file,
          bytes: (await stat(file)).size,
          rows,
          attempts: attempt,
          totalMs: Math.round(performance.now() - started),
        };
      } catch (error) {
        if (!(error instanceof Moved)) throw error;
        if (attempt >= ATTEMPTS) {
          throw new CliFailure(
            `organization ${options.org} changed during each of ${ATTEMPTS} backups (publishes, rotations or the ` +
              "daily roll): run it again when it is quieter",
          );
        }
      }
    }
  } catch (error) {
    if (error instanceof DatabaseFileError) throw new CliFailure(error.message);
    throw error;
  } finally {
    await rm(temp, { force: true });
    await rm(`${temp}-journal`, { force: true });
    await rm(`${temp}-wal`, { force: true });
    await rm(`${temp}-shm`, { force: true });
  }
}

/** Reads every page of every table into the empty file `temp`; the rows written per table. */
async function copyOrg(call: Call, base: string, org: string, temp: string): Promise<Record<string, number>> {
  const summary = await quiet(call, base, org).catch((error: unknown) => {
    if (!(error instanceof CliFailure) || !error.message.startsWith("HTTP 404")) throw error;
    throw new CliFailure(
      `${error.message.replace(/\.$/, "")} — the server has no backup route for organization ${org} ` +
        "(a Node server is backed up on its machine with `shiftfeed backup`, without --url)",
    );
  });
  if (summary.schema > SCHEMA_VERSION) {
    throw new CliFailure(
      `the Worker's storage has schema version ${summary.schema}, newer than this shiftfeed reads ` +
        `(${SCHEMA_VERSION}): back it up with the shiftfeed release the Worker runs`,
    );
  }
  if (CONTENT_TABLES.every((name) => (summary.tables[name] ?? 0) === 0)) {
    throw new CliFailure(
      `organization ${org} holds nothing on the Worker (never published to?): nothing to back up`,
    );
  }
  const db = openNodeSqlite({ path: temp });
  const rows: Record<string, number> = {};
  try {
    ensureSchema(db);
    if (summary.feedSecretFingerprint !== null)
      db.transaction(() => writeMeta(db, FINGERPRINT_KEY, summary.feedSecretFingerprint!));
    for (const table of BACKUP_TABLES) {
      const insert = `INSERT INTO ${table.name} (${columnList(table)}) VALUES (${table.columns.map(() => "?").join(", ")})`;
      rows[table.name] = 0;
      let after: SqlValue[] | null = null;
      do {
        const query: string = after === null ? "" : `?after=${encodeURIComponent(JSON.stringify(after))}`;
        const page: Page = await call<Page>("GET", `${base}/${table.name}${query}`);
        if (page.changes !== summary.changes) throw new Moved();
        const decoded = decodeRows(table, page.rows, `${table.name} rows`);
        db.transaction(() => {
          for (const values of decoded) db.run(insert, ...values);
        });
        rows[table.name] = (rows[table.name] ?? 0) + decoded.length;
        after = page.next;
      } while (after !== null);
    }
    if ((await call<Summary>("GET", base)).changes !== summary.changes) throw new Moved();
  } finally {
    db.close();
  }
  for (const name of CONTENT_TABLES) {
    if (rows[name] !== summary.tables[name]) {
      throw new CliFailure(
        `the backup of ${org} is incomplete: ${rows[name]} rows of ${name} arrived, the Worker counted ` +
          `${summary.tables[name]}`,
      );
    }
  }
  return rows;
}

/**
 * The organization's summary once no job is queued or running: a publish fanning out, a regeneration or the roll
 * leaves the organization between two states until its last step, and its job is not part of a backup.
 */
async function quiet(call: Call, base: string, org: string): Promise<Summary> {
  const until = Date.now() + JOBS_WAIT_MS;
  for (;;) {
    const summary = await call<Summary>("GET", base);
    if (summary.jobs === 0) return summary;
    if (Date.now() >= until) {
      throw new CliFailure(
        `organization ${org} still has ${summary.jobs} job(s) running after ${JOBS_WAIT_MS / 1000} s (a publish ` +
          "fanning out, a regeneration or the roll): back it up once they finish",
      );
    }
    await sleep(JOBS_POLL_MS);
  }
}

/** One self-contained file (no `-wal`), checked. */
function finish(temp: string, shown: string): DatabaseSummary {
  const db = new DatabaseSync(temp);
  try {
    db.exec("PRAGMA journal_mode=DELETE");
    return checkDatabase(db, shown, false);
  } finally {
    db.close();
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
