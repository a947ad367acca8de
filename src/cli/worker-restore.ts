/**
 * `shiftfeed restore --url <worker> [--org <org>] <file>`: one organization of a backup — made of a Worker
 * (`shiftfeed backup --url`) or of a Node data dir (`shiftfeed backup`) — into an empty organization of a Worker.
 *
 * The file is checked first (a SQLite file, `integrity_check`, a schema version this build reads), then its rows
 * of the organization are sent in chunks of at most the size the Worker names, each numbered, and committed in one
 * step (`src/worker/org-restore.ts`): until the commit nothing of it is served, and the commit checks the chunks
 * and row counts sent. The Worker then writes every feed and dead link to the edge from the restored bodies (the
 * command waits for it), so every link serves the same bytes with the same validators — if the Worker's
 * `FEED_SECRET` is the one the links were made with, which the Worker checks against the fingerprint in the file
 * before anything is sent.
 *
 * Telemetry tables without an organization column (per-minute counts, top clients, totals) are service-wide on
 * Node: they come along only from a file holding this one organization.
 */
import { DatabaseSync } from "node:sqlite";
import { setTimeout as sleep } from "node:timers/promises";
import {
  BACKUP_TABLES,
  columnList,
  encodeRow,
  type BackupTable,
  type WireValue,
} from "../core/store/backup-tables.ts";
import { FINGERPRINT_KEY } from "../core/store/feed-secret-check.ts";
import type { SqlValue } from "../core/store/sql-port.ts";
import { SECRETS_TABLE } from "../node/backup.ts";
import {
  checkDatabase,
  DatabaseFileError,
  requireSqliteFile,
  type DatabaseSummary,
} from "../node/database-check.ts";
import { CliFailure } from "./context.ts";
import type { Call } from "./worker-backup.ts";

/** Rows per chunk at most (fewer when their bytes reach half the Worker's chunk limit). */
const CHUNK_ROWS = 1000;

export interface WorkerRestoreResult extends DatabaseSummary {
  org: string;
  url: string;
  file: string;
  /** Rows restored per table, as the Worker counted them. */
  restored: Record<string, number>;
  chunks: number;
  /** The file carries secrets (`--with-secrets`): the Worker's own are used. */
  fileHasSecrets: boolean;
  totalMs: number;
}

/** Longest wait for the restored feeds to be written to the edge, and the wait between looks. */
const EDGE_WAIT_MS = 15 * 60_000;
const EDGE_POLL_MS = 500;

/**
 * Waits until the Worker has written every restored feed and dead link to the edge (its alarm does, after the
 * commit), so the command ends when every link serves.
 */
async function edgeWritten(call: Call, summary: string, org: string): Promise<void> {
  const until = Date.now() + EDGE_WAIT_MS;
  for (;;) {
    const { edge } = await call<{ edge: number }>("GET", summary);
    if (edge === 0) return;
    if (Date.now() >= until) {
      throw new CliFailure(
        `organization ${org} is restored, but ${edge} of its feeds and dead links are not yet written to the edge ` +
          `after ${EDGE_WAIT_MS / 60_000} min (R2 refusing?): the Worker keeps trying; \`edge\` in ` +
          `GET ${summary} counts what is left`,
      );
    }
    await sleep(EDGE_POLL_MS);
  }
}

/** The organizations a backup holds. */
function orgsOf(db: DatabaseSync): string[] {
  const rows = db.prepare("SELECT org FROM orgs UNION SELECT org FROM schedules ORDER BY org").all();
  return rows.map((row) => String(row["org"]));
}

const hasTable = (db: DatabaseSync, name: string) =>
  db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(name) !== undefined;

/** The query for one table's rows of `org` (`null`: the table does not come along). */
function rowsQuery(table: BackupTable, single: boolean): string | null {
  const select = `SELECT ${columnList(table)} FROM ${table.name}`;
  if (table.org !== null) return `${select} WHERE ${table.org} = :org ORDER BY ${table.key.join(", ")}`;
  if (table.name === "blobs") {
    return `${select} WHERE key IN (SELECT state_key FROM schedules WHERE org = :org
      UNION SELECT body_key FROM pieces WHERE org = :org UNION SELECT body_key FROM feeds WHERE org = :org
      UNION SELECT identity_key FROM feeds WHERE org = :org AND identity_key IS NOT NULL) ORDER BY key, part`;
  }
  return single ? `${select} ORDER BY ${table.key.join(", ")}` : null;
}

/**
 * Restores organization `org` of `file` (the only one, when not given) into the Worker at `url`.
 * @throws CliFailure naming what is wrong (not a backup, damaged, which organization, refused by the Worker).
 */
export async function restoreWorkerOrg(options: {
  call: Call;
  url: string;
  file: string;
  org?: string;
}): Promise<WorkerRestoreResult> {
  const started = performance.now();
  const { call, file } = options;
  let db: DatabaseSync;
  let summary: DatabaseSummary;
  try {
    await requireSqliteFile(file);
    db = new DatabaseSync(file, { readOnly: true });
    summary = checkDatabase(db, file, true);
  } catch (error) {
    if (error instanceof DatabaseFileError) throw new CliFailure(error.message);
    throw new CliFailure(`cannot open ${file} as a database: ${(error as Error).message}`);
  }
  try {
    const orgs = orgsOf(db);
    const org = options.org ?? (orgs.length === 1 ? orgs[0]! : null);
    if (org === null) {
      throw new CliFailure(
        orgs.length === 0
          ? `${file} holds no organization: nothing to restore`
          : `${file} holds ${orgs.length} organizations (${orgs.join(", ")}): name one with --org`,
      );
    }
    if (!orgs.includes(org))
      throw new CliFailure(`${file} holds no organization ${org} (it holds ${orgs.join(", ")})`);
    const fingerprint =
      db.prepare("SELECT value FROM meta WHERE key = ?").get(FINGERPRINT_KEY)?.["value"] ?? null;
    const feeds = Number(db.prepare("SELECT count(*) AS n FROM feeds WHERE org = ?").get(org)?.["n"] ?? 0);
    const base = `/admin/orgs/${encodeURIComponent(org)}/restore`;
    const begun = await call<{ restore: string; chunkBytes: number }>("POST", base, {
      schema: summary.schema,
      feedSecretFingerprint: fingerprint,
      feeds,
    });
    const sent: Record<string, number> = {};
    let chunks = 0;
    const send = async (table: BackupTable, rows: WireValue[][]) => {
      await call("PUT", `${base}/${begun.restore}/${chunks}`, { table: table.name, rows });
      chunks++;
    };
    for (const table of BACKUP_TABLES) {
      const query = hasTable(db, table.name) ? rowsQuery(table, orgs.length === 1) : null;
      if (query === null) continue;
      sent[table.name] = 0;
      let chunk: WireValue[][] = [];
      let bytes = 0;
      const statement = db.prepare(query);
      for (const row of query.includes(":org") ? statement.iterate({ org }) : statement.iterate()) {
        const encoded = encodeRow(table.columns.map((c) => (row[c.name] ?? null) as SqlValue));
        chunk.push(encoded);
        bytes += JSON.stringify(encoded).length;
        sent[table.name] = (sent[table.name] ?? 0) + 1;
        if (chunk.length >= CHUNK_ROWS || bytes >= begun.chunkBytes / 2) {
          await send(table, chunk);
          chunk = [];
          bytes = 0;
        }
      }
      if (chunk.length > 0) await send(table, chunk);
    }
    const committed = await call<{ restored: Record<string, number> }>(
      "POST",
      `${base}/${begun.restore}/commit`,
      {
        chunks,
        rows: sent,
      },
    );
    await edgeWritten(call, `/admin/orgs/${encodeURIComponent(org)}/backup`, org);
    return {
      ...summary,
      org,
      url: options.url,
      file,
      restored: committed.restored,
      chunks,
      fileHasSecrets: hasTable(db, SECRETS_TABLE),
      totalMs: Math.round(performance.now() - started),
    };
  } finally {
    db.close();
  }
}
