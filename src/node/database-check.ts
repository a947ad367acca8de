/**
 * Is this file a whole shiftfeed database this build can read? Asked of a backup before it is kept and before it
 * is restored, so a truncated copy, another program's file or a newer build's database is refused with one line
 * instead of starting a service on it. The checks: SQLite's own header, `PRAGMA integrity_check` (or the cheaper
 * `quick_check`), and the schema version in `meta` against {@link SCHEMA_VERSION}.
 */
import { open } from "node:fs/promises";
import type { DatabaseSync } from "node:sqlite";
import { SCHEMA_VERSION } from "../core/store/schema.ts";

/** A file that cannot be backed up or restored, with the reason in one line that names it. */
export class DatabaseFileError extends Error {}

/** The 16 bytes every SQLite database file starts with. */
const SQLITE_HEADER = "SQLite format 3\0";

/** What a checked database holds, for the operator's one-line summary. */
export interface DatabaseSummary {
  /** The schema version recorded in `meta`. */
  schema: number;
  /** Schedules, retired ones included. */
  schedules: number;
  /** Live feeds (each with its link). */
  feeds: number;
  /** Partner keys, revoked ones included. */
  partnerKeys: number;
}

/** Refuses a file that does not start with SQLite's header (empty, truncated, JSON, another format). */
export async function requireSqliteFile(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    throw new DatabaseFileError(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    if ((await handle.stat()).isDirectory())
      throw new DatabaseFileError(`${path} is a folder, not a database`);
    const head = Buffer.alloc(SQLITE_HEADER.length);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    if (bytesRead < head.length || head.toString("latin1") !== SQLITE_HEADER) {
      throw new DatabaseFileError(`${path} is not a SQLite database (a shiftfeed backup is one)`);
    }
  } finally {
    await handle.close();
  }
}

/**
 * Checks an open database: SQLite's integrity check (`thorough`: every index entry against its row, else
 * `quick_check`), then that it is a shiftfeed database of a schema version this build reads (older ones are
 * migrated forward at start; newer ones are refused).
 * @throws DatabaseFileError naming `path` and what is wrong.
 */
export function checkDatabase(db: DatabaseSync, path: string, thorough: boolean): DatabaseSummary {
  let problems: string[];
  try {
    const rows = db.prepare(thorough ? "PRAGMA integrity_check(20)" : "PRAGMA quick_check(20)").all();
    problems = rows.map((row) => String(Object.values(row)[0]));
  } catch (error) {
    throw new DatabaseFileError(`${path} cannot be read as a database: ${(error as Error).message}`);
  }
  if (problems.length !== 1 || problems[0] !== "ok") {
    throw new DatabaseFileError(`${path} is damaged (integrity check: ${problems.slice(0, 3).join("; ")})`);
  }
  let version: unknown;
  try {
    version = db.prepare("SELECT value FROM meta WHERE key = 'schema'").get()?.["value"];
  } catch {
    throw new DatabaseFileError(
      `${path} is a SQLite database but not a shiftfeed one (it has no meta table)`,
    );
  }
  const schema = Number(version ?? 1);
  if (!Number.isInteger(schema) || schema < 1) {
    throw new DatabaseFileError(`${path} has an unknown schema version ${JSON.stringify(version)}`);
  }
  if (schema > SCHEMA_VERSION) {
    throw new DatabaseFileError(
      `${path} has schema version ${schema}, newer than this shiftfeed reads (${SCHEMA_VERSION}): ` +
        "use the shiftfeed build that wrote it, or a newer one",
    );
  }
  const count = (table: string): number => {
    try {
      return Number(db.prepare(`SELECT count(*) AS n FROM ${table}`).get()?.["n"] ?? 0);
    } catch {
      return 0; // an older schema without this table
    }
  };
  return {
    schema,
    schedules: count("schedules"),
    feeds: count("feeds"),
    partnerKeys: count("partner_keys"),
  };
}
