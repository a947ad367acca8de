/**
 * The export of one organization's Durable Object, as the rows of `backup-tables.ts` (its restore:
 * `org-restore.ts`). It reads a page of one table at a time, keyed by its primary key (`after` the last key read),
 * so a page costs what it holds and no call holds the organization in memory. The pages are not one transaction:
 * the object counts every call that may change the organization ({@link CHANGES_KEY}), each page says the count,
 * and the CLI starts again when it moved during the backup — the file is then one state of the organization, as
 * Node's backup is. Blobs no longer referenced (in `garbage`) are left out.
 */
import { BACKUP_TABLES, columnList, type BackupTable } from "../core/store/backup-tables.ts";
import { FINGERPRINT_KEY } from "../core/store/feed-secret-check.ts";
import { readMeta, SCHEMA_VERSION } from "../core/store/schema.ts";
import { num, type SqlPort, type SqlValue } from "../core/store/sql-port.ts";
import { edgeBacklog } from "./edge-sync.ts";

/** The object's count of calls that changed the organization (kept in its key-value storage). */
export const CHANGES_KEY = "content_changes";
/** How many calls have changed the organization (what a backup checks did not move while it read). */
export const changeCount = (kv: SyncKvStorage) => Number(kv.get(CHANGES_KEY) ?? 0);

/** Counts a call that may change the organization. */
export const countChange = (kv: SyncKvStorage) => kv.put(CHANGES_KEY, changeCount(kv) + 1);

/** What `GET /admin/orgs/{org}/backup` answers. */
export interface BackupSummary {
  org: string;
  schema: number;
  /** The fingerprint of the feed secret the links were made with (`feed-secret-check.ts`). */
  feedSecretFingerprint: string | null;
  /** Rows per table now. */
  tables: Record<string, number>;
  /** Jobs queued or running (a publish fanning out, a regeneration, the roll): a backup waits for them. */
  jobs: number;
  /** Token hashes still to be written to the edge (after a restore, its feeds and dead links). */
  edge: number;
}

/** One page of a table: rows in column order, and the key to ask `after` for the next one (`null`: the last). */
export interface BackupPage {
  rows: SqlValue[][];
  next: SqlValue[] | null;
}

/** The `n` of a `count(*) AS n` query. */
export const count = (sql: SqlPort, query: string) => num(sql.all(query)[0]!, "n");

/** Blobs that are still referenced (those in `garbage` are being deleted). */
const LIVE_BLOBS = "key NOT IN (SELECT key FROM garbage)";

/** The schema version and row counts of the organization. */
export function backupSummary(sql: SqlPort, org: string): BackupSummary {
  const tables: Record<string, number> = {};
  for (const table of BACKUP_TABLES) {
    const where = table.name === "blobs" ? ` WHERE ${LIVE_BLOBS}` : "";
    tables[table.name] = num(sql.all(`SELECT count(*) AS n FROM ${table.name}${where}`)[0]!, "n");
  }
  return {
    org,
    schema: Number(readMeta(sql, "schema") ?? SCHEMA_VERSION),
    feedSecretFingerprint: readMeta(sql, FINGERPRINT_KEY),
    tables,
    jobs: count(sql, "SELECT count(*) AS n FROM jobs WHERE state IN ('queued', 'running')"),
    edge: edgeBacklog(sql),
  };
}

/** The page of `table` after the key `after` (`null`: from the start). */
export function backupPage(sql: SqlPort, table: BackupTable, after: SqlValue[] | null): BackupPage {
  const keys = table.key.join(", ");
  const where: string[] = [];
  if (after !== null) where.push(`(${keys}) > (${table.key.map(() => "?").join(", ")})`);
  if (table.name === "blobs") where.push(LIVE_BLOBS);
  const query =
    `SELECT ${columnList(table)} FROM ${table.name}` +
    (where.length > 0 ? ` WHERE ${where.join(" AND ")}` : "") +
    ` ORDER BY ${keys} LIMIT ?`;
  const found = sql.all(query, ...(after ?? []), table.pageRows);
  const rows = found.map((row) => table.columns.map((c) => row[c.name] ?? null));
  const last = found.at(-1);
  const next =
    found.length < table.pageRows || last === undefined ? null : table.key.map((k) => last[k] ?? null);
  return { rows, next };
}
