/**
 * The restore of one organization's Durable Object from the rows of `backup-tables.ts` (its export:
 * `org-backup.ts`). Only into an empty organization. Rows are staged in `restore_*` tables chunk by chunk (each
 * numbered, so a lost or repeated chunk is seen), then committed in one transaction that checks the chunks and row
 * counts the CLI declares, that every referenced blob is there, and that the organization is still empty. A partial
 * upload is never served: nothing reaches the organization's tables, nor R2, before that commit. The committed
 * feeds go to the edge outbox (their insert queues them) with every dead link, and the object's alarm writes them
 * from the restored bodies (the CLI waits for the outbox to empty): the same bytes and validators as before, under
 * the same tokens when `FEED_SECRET` is the one the links were made with — which the fingerprint in the backup must
 * match.
 */
import { ServiceError } from "../core/errors.ts";
import { BACKUP_TABLES, columnList, CONTENT_TABLES, type BackupTable } from "../core/store/backup-tables.ts";
import { readMeta, SCHEMA_VERSION, writeMeta } from "../core/store/schema.ts";
import type { SqlPort, SqlValue } from "../core/store/sql-port.ts";
import { count } from "./org-backup.ts";

/** The restore being staged (JSON of {@link RestoreSession}), in `meta`. */
const SESSION_KEY = "restore_session";
const stage = (table: BackupTable) => `restore_${table.name}`;

/** The restore being staged. */
interface RestoreSession {
  id: string;
  org: string;
  schema: number;
  /** The next chunk expected. */
  next: number;
  /** When it began, ms since the epoch (a staging left behind is dropped a day later). */
  at: number;
}

/** What a restore begins with: the backup's schema version and feed secret fingerprint. */
export interface RestoreHeader {
  schema: number;
  feedSecretFingerprint: string | null;
  /** Whether the backup holds feeds (a backup without a fingerprint and without feeds needs no secret). */
  feeds: number;
}

/** What the CLI says it sent: how many chunks, and rows per table. */
export interface RestoreDeclared {
  chunks: number;
  rows: Record<string, number>;
}

/** The tables of the organization that hold rows (none: it is empty). */
function heldTables(sql: SqlPort): string[] {
  return CONTENT_TABLES.filter((name) => sql.all(`SELECT 1 AS x FROM ${name} LIMIT 1`).length > 0);
}

function requireEmpty(sql: SqlPort, org: string): void {
  const held = heldTables(sql);
  if (held.length > 0) {
    throw new ServiceError(
      "conflict",
      `Organization ${org} is not empty (it holds ${held.join(", ")}): a backup is restored only into an ` +
        "empty organization, never over one (its links and rotations would mix with the backup's).",
      [],
      { held },
    );
  }
}

function session(sql: SqlPort, id: string): RestoreSession {
  const text = readMeta(sql, SESSION_KEY);
  const found = text ? (JSON.parse(text) as RestoreSession) : null;
  if (found === null || found.id !== id) {
    throw new ServiceError(
      "conflict",
      `No restore ${id} is being staged here (another one began since, or it was committed): begin again.`,
    );
  }
  return found;
}

/**
 * The organization restore `id` is staged for.
 * @throws ServiceError `conflict` when no such restore is being staged.
 */
export const restoreOrg = (sql: SqlPort, id: string) => session(sql, id).org;

/**
 * Begins staging a restore into this (empty) organization: any earlier staging is dropped.
 * @param ownFingerprint the fingerprint of this Worker's `FEED_SECRET`.
 * @returns the restore's id, for its chunks and commit.
 * @throws ServiceError `conflict` (409) when the organization holds anything; `bad_request` (400) naming the
 *   field for a newer schema, a missing fingerprint or another feed secret.
 */
export function beginRestore(
  sql: SqlPort,
  org: string,
  header: RestoreHeader,
  ownFingerprint: string,
  id: string,
  now: number,
): string {
  if (header.schema > SCHEMA_VERSION) {
    throw new ServiceError(
      "bad_request",
      `The backup has schema version ${header.schema}, newer than this Worker reads (${SCHEMA_VERSION}): deploy ` +
        "the shiftfeed that wrote it (or a newer one) first.",
      [{ path: "$.schema", message: `at most ${SCHEMA_VERSION}` }],
    );
  }
  if (header.feedSecretFingerprint === null && header.feeds > 0) {
    throw new ServiceError(
      "bad_request",
      "The backup does not say which FEED_SECRET made its links (no fingerprint): start the service it came " +
        "from on it once, then back it up again.",
      [{ path: "$.feedSecretFingerprint", message: "required when the backup holds feeds" }],
    );
  }
  if (header.feedSecretFingerprint !== null && header.feedSecretFingerprint !== ownFingerprint) {
    throw new ServiceError(
      "bad_request",
      "The backup's links were made with another FEED_SECRET than this Worker's: every restored link would be " +
        "dead. Set the FEED_SECRET of the service the backup came from (`wrangler secret put FEED_SECRET`).",
      [{ path: "$.feedSecretFingerprint", message: "not this Worker's FEED_SECRET" }],
    );
  }
  sql.transaction(() => {
    requireEmpty(sql, org);
    for (const table of BACKUP_TABLES) {
      sql.run(`DROP TABLE IF EXISTS ${stage(table)}`);
      sql.run(`CREATE TABLE ${stage(table)} (${columnList(table)}, PRIMARY KEY (${table.key.join(", ")}))`);
    }
    const started: RestoreSession = { id, org, schema: header.schema, next: 0, at: now };
    writeMeta(sql, SESSION_KEY, JSON.stringify(started));
  });
  return id;
}

/**
 * Stages one chunk of rows of one table. Chunk `seq` must be the next one; one already staged is answered again
 * without staging it twice (a retried upload).
 * @returns whether the chunk was staged now.
 */
export function stageRows(
  sql: SqlPort,
  id: string,
  seq: number,
  table: BackupTable,
  rows: SqlValue[][],
): boolean {
  return sql.transaction(() => {
    const current = session(sql, id);
    if (seq < current.next) return false;
    if (seq > current.next) {
      throw new ServiceError(
        "conflict",
        `Chunk ${current.next} of restore ${id} is expected next, not ${seq}.`,
        [{ path: "seq", message: `expected ${current.next}` }],
      );
    }
    const at = table.org === null ? -1 : table.columns.findIndex((c) => c.name === table.org);
    rows.forEach((row, n) => {
      if (at >= 0 && row[at] !== current.org) {
        throw new ServiceError("bad_request", `A row of ${table.name} belongs to another organization.`, [
          { path: `$.rows[${n}][${at}]`, message: `must be ${current.org}, the organization restored into` },
        ]);
      }
    });
    const marks = table.columns.map(() => "?").join(", ");
    for (const [n, row] of rows.entries()) {
      try {
        sql.run(`INSERT INTO ${stage(table)} (${columnList(table)}) VALUES (${marks})`, ...row);
      } catch (error) {
        throw new ServiceError("bad_request", `A row of ${table.name} was sent twice (its key repeats).`, [
          { path: `$.rows[${n}]`, message: String((error as Error).message).slice(0, 200) },
        ]);
      }
    }
    writeMeta(sql, SESSION_KEY, JSON.stringify({ ...current, next: current.next + 1 }));
    return true;
  });
}

/** What a committed restore holds. */
export type RestoredCounts = Record<string, number>;

/**
 * Checks a staged restore is whole and the organization still empty (see the module comment), committing nothing.
 * @returns the staged rows per table.
 * @throws ServiceError `bad_request` naming what is missing, `conflict` when the organization is no longer empty.
 */
export function checkRestore(sql: SqlPort, id: string, declared: RestoreDeclared): RestoredCounts {
  const current = session(sql, id);
  if (declared.chunks !== current.next) {
    throw new ServiceError(
      "bad_request",
      `Restore ${id} is incomplete: ${declared.chunks} chunks were sent, ${current.next} arrived.`,
      [{ path: "$.chunks", message: `${current.next} staged` }],
    );
  }
  const counts: RestoredCounts = {};
  const short = [];
  for (const table of BACKUP_TABLES) {
    const staged = count(sql, `SELECT count(*) AS n FROM ${stage(table)}`);
    const sent = declared.rows[table.name] ?? 0;
    if (staged !== sent)
      short.push({ path: `$.rows.${table.name}`, message: `${sent} sent, ${staged} staged` });
    counts[table.name] = staged;
  }
  if (short.length > 0) {
    throw new ServiceError("bad_request", `Restore ${id} is incomplete: row counts differ.`, short);
  }
  const missing = count(
    sql,
    `SELECT count(*) AS n FROM (SELECT state_key AS k FROM restore_schedules UNION SELECT body_key FROM restore_pieces
      UNION SELECT body_key FROM restore_feeds UNION SELECT identity_key FROM restore_feeds
      WHERE identity_key IS NOT NULL) WHERE NOT EXISTS (SELECT 1 FROM restore_blobs WHERE key = k AND part = 0)`,
  );
  if (missing > 0) {
    throw new ServiceError(
      "bad_request",
      `The backup is damaged: ${missing} stored value(s) it refers to are missing.`,
      [{ path: "$.rows.blobs", message: `${missing} referenced blob(s) absent` }],
    );
  }
  requireEmpty(sql, current.org);
  return counts;
}

/**
 * Commits a staged restore in one transaction, after checking it is whole ({@link checkRestore}).
 * @throws ServiceError as {@link checkRestore} does.
 */
export function commitRestore(sql: SqlPort, id: string, declared: RestoreDeclared): RestoredCounts {
  return sql.transaction(() => {
    const counts = checkRestore(sql, id, declared);
    for (const table of BACKUP_TABLES) {
      // Telemetry noted meanwhile (a dead link's poll) gives way to the backup's.
      const verb = CONTENT_TABLES.includes(table.name) ? "INSERT" : "INSERT OR REPLACE";
      try {
        sql.run(
          `${verb} INTO ${table.name} (${columnList(table)}) SELECT ${columnList(table)} FROM ${stage(table)}`,
        );
      } catch (error) {
        throw new ServiceError(
          "bad_request",
          `The backup is damaged: its ${table.name} cannot be restored.`,
          [{ path: `$.rows.${table.name}`, message: String((error as Error).message).slice(0, 200) }],
        );
      }
    }
    // Every feed's insert queued it for the edge; the dead links get their dead markers.
    sql.run("INSERT INTO edge_outbox (token_hash) SELECT token_hash FROM dead_links");
    dropStaging(sql);
    return counts;
  });
}

/** Drops a staging begun more than `maxAgeMs` before `now` and never committed (from the daily roll). */
export function dropStaleStaging(sql: SqlPort, now: number, maxAgeMs = 86_400_000): boolean {
  const text = readMeta(sql, SESSION_KEY);
  if (text === null || now - (JSON.parse(text) as RestoreSession).at < maxAgeMs) return false;
  sql.transaction(() => dropStaging(sql));
  return true;
}

/** Drops the staging tables and the session (after a commit, or to give their space back). */
export function dropStaging(sql: SqlPort): void {
  for (const table of BACKUP_TABLES) sql.run(`DROP TABLE IF EXISTS ${stage(table)}`);
  sql.run("DELETE FROM meta WHERE key = ?", SESSION_KEY);
}
