/**
 * The Workers-only admin routes that back up and restore one organization (`org-backup.ts`, `org-restore.ts`),
 * answered by the organization's Durable Object once the Worker has checked the admin token. On Node a backup is
 * a copy of the data dir's database file (`shiftfeed backup` on the machine); on Workers the storage is reachable
 * only through its object, so the CLI reads it here a page at a time and writes the same SQLite file.
 *
 * - `GET  /admin/orgs/{org}/backup`: schema version, feed secret fingerprint, rows per table, change count, jobs
 *   running, and token hashes still to be written to the edge.
 * - `GET  /admin/orgs/{org}/backup/{table}?after=<JSON key>`: one page of a table, with the key of the next.
 * - `POST /admin/orgs/{org}/restore`: begins staging into the empty organization.
 * - `PUT  /admin/orgs/{org}/restore/{id}/{seq}`: stages chunk `seq` (`{ table, rows }`).
 * - `POST /admin/orgs/{org}/restore/{id}/commit`: checks and commits (`{ chunks, rows: { table: n } }`); the
 *   object's alarm then writes the feeds to the edge.
 */
import { Hono, type Context } from "hono";
import { ServiceError } from "../core/errors.ts";
import { backupTable, decodeRows, encodeRow } from "../core/store/backup-tables.ts";
import { FINGERPRINT_KEY } from "../core/store/feed-secret-check.ts";
import { readMeta } from "../core/store/schema.ts";
import { decodeJsonText, parseJsonText } from "../core/snapshot/parse-body.ts";
import type { SqlPort, SqlValue } from "../core/store/sql-port.ts";
import { text } from "../core/store/sql-port.ts";
import { errorResponse, toServiceError } from "../http/errors.ts";
import { readJsonRequest } from "../http/json-request.ts";
import { backupPage, backupSummary } from "./org-backup.ts";
import {
  beginRestore,
  checkRestore,
  commitRestore,
  restoreOrg,
  stageRows,
  type RestoreDeclared,
} from "./org-restore.ts";
import { edgeBacklog } from "./edge-sync.ts";
import { workerLogger } from "./logger.ts";
import { indexPartnerKey, indexRevokedKey, partnerEntryOwners } from "./partner-index.ts";
import { checkRestoredPartnerKeys, checkRestoredTokens } from "./restore-tokens.ts";
import type { FeedTokens } from "../core/tokens.ts";

/** The routes, as the Worker registers them (and `routes.test.ts` lists them). */
export const BACKUP_ROUTES = [
  { method: "get", path: "/admin/orgs/{org}/backup" },
  { method: "get", path: "/admin/orgs/{org}/backup/{table}" },
  { method: "post", path: "/admin/orgs/{org}/restore" },
  { method: "put", path: "/admin/orgs/{org}/restore/{id}/{seq}" },
  { method: "post", path: "/admin/orgs/{org}/restore/{id}/commit" },
] as const;

/** Largest chunk body: a page of blobs (4 parts of up to 1 MiB) in base64 with room to spare. */
export const RESTORE_CHUNK_BYTES = 8 * 1024 * 1024;

/** Whether a path is one of these routes (the object answers it here, not with `createApp`). */
export const isBackupPath = (path: string) => /^\/admin\/orgs\/[^/]+\/(backup|restore)(\/|$)/.test(path);

/** What the routes need of the organization's object. */
export interface BackupDeps {
  sql: SqlPort;
  bucket: R2Bucket;
  /** The feed tokens under this Worker's `FEED_SECRET` (a restored token hash must be one of them). */
  tokens: FeedTokens;
  /** How many calls have changed the organization so far. */
  changes: () => number;
  newId: () => string;
  /** Called once a restore is committed (the object's parts are rebuilt from storage). */
  restored: () => void;
}

async function jsonBody(c: Context, limit: number): Promise<Record<string, unknown>> {
  const decoded = decodeJsonText(await readJsonRequest(c.req.raw, { limit }));
  if (!decoded.ok) throw new ServiceError("invalid_json", decoded.message);
  const json = parseJsonText(decoded.text);
  if (!json.ok) throw new ServiceError("invalid_json", json.message);
  if (typeof json.value !== "object" || json.value === null || Array.isArray(json.value))
    throw new ServiceError("bad_request", "The body must be a JSON object.");
  return json.value as Record<string, unknown>;
}

const bad = (path: string, message: string) =>
  new ServiceError("bad_request", `\`${path}\` ${message}.`, [{ path, message }]);

function wholeNumber(body: Record<string, unknown>, field: string): number {
  const value = body[field];
  if (!Number.isSafeInteger(value) || (value as number) < 0)
    throw bad(`$.${field}`, "must be a whole number");
  return value as number;
}

function tableOf(name: string | undefined, path: string) {
  const table = backupTable(name ?? "");
  if (table === null)
    throw bad(path, `names no table a backup carries (got ${JSON.stringify(name).slice(0, 40)})`);
  return table;
}

/** The key a page starts after: a JSON array of the table's key values. */
function afterKey(value: string | undefined, size: number): SqlValue[] | null {
  if (value === undefined) return null;
  let key: unknown;
  try {
    key = JSON.parse(value);
  } catch {
    throw bad("after", "must be a JSON array (the `next` of the page before)");
  }
  if (
    !Array.isArray(key) ||
    key.length !== size ||
    !key.every((v) => typeof v === "string" || Number.isSafeInteger(v))
  ) {
    throw bad("after", `must be the \`next\` of the page before (${size} key value(s))`);
  }
  return key as SqlValue[];
}

/** The routes, for the organization's object. */
export function createBackupRoutes(deps: BackupDeps): Hono {
  const { sql } = deps;
  const app = new Hono();
  app.onError((error) => errorResponse(toServiceError(error)));

  app.get("/admin/orgs/:org/backup", (c) =>
    c.json({ ...backupSummary(sql, c.req.param("org")), changes: deps.changes() }),
  );

  app.get("/admin/orgs/:org/backup/:table", (c) => {
    const table = tableOf(c.req.param("table"), "table");
    const page = backupPage(sql, table, afterKey(c.req.query("after"), table.key.length));
    return c.json({
      table: table.name,
      columns: table.columns.map((col) => col.name),
      rows: page.rows.map(encodeRow),
      next: page.next,
      changes: deps.changes(),
    });
  });

  app.post("/admin/orgs/:org/restore", async (c) => {
    const body = await jsonBody(c, 64 * 1024);
    const schema = wholeNumber(body, "schema");
    const fingerprint = body["feedSecretFingerprint"] ?? null;
    if (fingerprint !== null && typeof fingerprint !== "string")
      throw bad("$.feedSecretFingerprint", "must be a string or null");
    const own = readMeta(sql, FINGERPRINT_KEY) ?? "";
    const header = { schema, feedSecretFingerprint: fingerprint, feeds: wholeNumber(body, "feeds") };
    const id = beginRestore(sql, c.req.param("org"), header, own, deps.newId(), Date.now());
    return c.json({ restore: id, chunkBytes: RESTORE_CHUNK_BYTES }, 201);
  });

  app.put("/admin/orgs/:org/restore/:id/:seq", async (c) => {
    const seq = Number(c.req.param("seq"));
    if (!/^\d{1,9}$/.test(c.req.param("seq"))) throw bad("seq", "must be the chunk's number (0, 1, …)");
    const body = await jsonBody(c, RESTORE_CHUNK_BYTES);
    const table = tableOf(typeof body["table"] === "string" ? body["table"] : undefined, "$.table");
    const rows = decodeRows(table, body["rows"], "$.rows");
    const id = c.req.param("id");
    await checkRestoredTokens(sql, restoreOrg(sql, id), table, rows, deps.tokens);
    const staged = stageRows(sql, id, seq, table, rows);
    return c.json({ seq, table: table.name, rows: rows.length, staged });
  });

  app.post("/admin/orgs/:org/restore/:id/commit", async (c) => {
    const body = await jsonBody(c, 64 * 1024);
    const counts = body["rows"];
    if (typeof counts !== "object" || counts === null || Array.isArray(counts))
      throw bad("$.rows", "must be an object of rows sent per table");
    for (const [name, n] of Object.entries(counts)) {
      tableOf(name, `$.rows.${name}`);
      if (!Number.isSafeInteger(n) || (n as number) < 0)
        throw bad(`$.rows.${name}`, "must be a whole number");
    }
    const declared: RestoreDeclared = {
      chunks: wholeNumber(body, "chunks"),
      rows: counts as Record<string, number>,
    };
    const id = c.req.param("id");
    await checkRestoredPartnerKeys(sql, restoreOrg(sql, id), (key, hash) =>
      partnerEntryOwners(deps.bucket, key, hash),
    );
    // Partner keys route through R2 (`partner-index.ts`), written once the restore is found whole but before its
    // commit: an entry without its key opens nothing, and a failed write leaves the staging whole for the same
    // commit to be tried again. A revoked key keeps its id entry only.
    checkRestore(sql, id, declared);
    try {
      for (const row of sql.all("SELECT id, org, key_hash, revoked_at FROM restore_partner_keys")) {
        const key = { id: text(row, "id"), org: text(row, "org"), keyHash: text(row, "key_hash") };
        if (row["revoked_at"] === null) await indexPartnerKey(deps.bucket, key);
        else await indexRevokedKey(deps.bucket, key);
      }
    } catch (error) {
      workerLogger.error("partner_index_failed", { error: String(error) });
      throw new ServiceError(
        "unavailable",
        "The restore's partner keys could not be routed (R2 refused a write): nothing was restored; commit again.",
        [],
        {},
        { "retry-after": "5" },
      );
    }
    const restored = commitRestore(sql, id, declared);
    deps.restored();
    return c.json({ org: c.req.param("org"), restored, edge: edgeBacklog(sql) });
  });

  return app;
}
