/**
 * What a backup of one organization carries, table by table, and how its rows travel over HTTP. Shared by the
 * Worker, which exports an organization's Durable Object a page at a time and stages a restore chunk by chunk, and
 * by the CLI, which writes those pages into (and reads them back from) a SQLite file of the schema of
 * `schema.ts` — the very file Node's `shiftfeed backup` writes — so a backup moves between the two runtimes.
 *
 * Every table of the schema is here except `meta` (the schema version and the feed secret's fingerprint travel as
 * fields of their own) and `garbage` (blobs no longer referenced are left behind, not carried). A row travels as a
 * JSON array of its values in column order, bytes as `{ "base64": "…" }`; a page is keyed by the table's primary
 * key, so reading the next one costs what the page holds, however much the organization holds.
 */
import { ServiceError, type ErrorDetail } from "../errors.ts";
import type { SqlValue } from "./sql-port.ts";

/** How a column's values are checked: text, whole number, or bytes. */
export type ColumnKind = "text" | "int" | "bytes";

export interface BackupColumn {
  name: string;
  kind: ColumnKind;
  /** The column accepts NULL. */
  nullable?: boolean;
}

export interface BackupTable {
  name: string;
  columns: readonly BackupColumn[];
  /** The primary key's columns, in order: pages follow it. */
  key: readonly string[];
  /** The column naming the row's organization, if it has one (tables without one are service-wide on Node). */
  org: string | null;
  /** Rows per page (blob parts are up to 1 MiB each). */
  pageRows: number;
}

const t = (name: string): BackupColumn => ({ name, kind: "text" });
const i = (name: string): BackupColumn => ({ name, kind: "int" });

/** The tables a backup carries, in the order they are written. */
export const BACKUP_TABLES: readonly BackupTable[] = [
  { name: "orgs", columns: [t("org"), t("name"), t("tier")], key: ["org"], org: "org", pageRows: 1000 },
  {
    name: "schedules",
    columns: [
      t("org"),
      t("schedule"),
      i("revision"),
      t("name"),
      t("timezone"),
      t("snapshot_hash"),
      t("published_at"),
      i("received_at"),
      i("people"),
      i("assignments"),
      i("retired"),
      t("state_key"),
      t("rolled_for"),
    ],
    key: ["org", "schedule"],
    org: "org",
    pageRows: 1000,
  },
  {
    name: "pieces",
    columns: [t("org"), t("person"), t("schedule"), t("name"), t("input_hash"), i("events"), t("body_key")],
    key: ["org", "person", "schedule"],
    org: "org",
    pageRows: 1000,
  },
  {
    name: "links",
    columns: [t("org"), t("feed"), i("version")],
    key: ["org", "feed"],
    org: "org",
    pageRows: 1000,
  },
  {
    name: "feeds",
    columns: [
      t("org"),
      t("feed"),
      t("token_hash"),
      t("etag"),
      i("last_modified"),
      i("lm_shared"),
      i("size"),
      i("events"),
      t("input_hash"),
      t("body_key"),
      { name: "identity_key", kind: "text", nullable: true },
    ],
    key: ["org", "feed"],
    org: "org",
    pageRows: 1000,
  },
  {
    name: "blobs",
    columns: [t("key"), i("part"), { name: "bytes", kind: "bytes" }],
    key: ["key", "part"],
    org: null,
    pageRows: 4,
  },
  {
    name: "dead_links",
    columns: [t("token_hash"), t("org"), t("feed"), i("rotated")],
    key: ["token_hash"],
    org: "org",
    pageRows: 1000,
  },
  {
    name: "partner_keys",
    columns: [
      t("id"),
      t("key_hash"),
      t("org"),
      t("name"),
      i("burst"),
      i("per_hour"),
      i("created_at"),
      { name: "revoked_at", kind: "int", nullable: true },
    ],
    key: ["id"],
    org: "org",
    pageRows: 1000,
  },
  {
    name: "fetch_last",
    columns: [
      t("org"),
      t("feed"),
      t("client"),
      i("at"),
      i("status"),
      { name: "user_agent", kind: "text", nullable: true },
      i("requests"),
    ],
    key: ["org", "feed", "client"],
    org: "org",
    pageRows: 1000,
  },
  {
    name: "fetch_minutes",
    columns: [i("minute"), t("client"), i("status"), i("requests")],
    key: ["minute", "client", "status"],
    org: null,
    pageRows: 1000,
  },
  {
    name: "fetch_top",
    columns: [i("minute"), t("subject"), t("client"), t("user_agent"), i("requests")],
    key: ["minute", "subject", "client", "user_agent"],
    org: null,
    pageRows: 1000,
  },
  {
    name: "fetch_totals",
    columns: [t("client"), i("status"), i("requests")],
    key: ["client", "status"],
    org: null,
    pageRows: 1000,
  },
];

/** The tables whose rows make an organization not empty (telemetry alone does not). */
export const CONTENT_TABLES = [
  "orgs",
  "schedules",
  "pieces",
  "links",
  "feeds",
  "blobs",
  "dead_links",
  "partner_keys",
];

/** A table by name, or `null`. */
export function backupTable(name: string): BackupTable | null {
  return BACKUP_TABLES.find((table) => table.name === name) ?? null;
}

/** The columns of a table as a SQL list. */
export const columnList = (table: BackupTable) => table.columns.map((c) => c.name).join(", ");

/** A value as it travels in JSON. */
export type WireValue = string | number | null | { base64: string };

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let at = 0; at < bytes.length; at += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  }
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array | null {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return null;
  }
  const bytes = new Uint8Array(binary.length);
  for (let n = 0; n < binary.length; n++) bytes[n] = binary.charCodeAt(n);
  return bytes;
}

/** A row's values (in column order) as they travel. */
export function encodeRow(values: readonly SqlValue[]): WireValue[] {
  return values.map((value) => (value instanceof Uint8Array ? { base64: toBase64(value) } : value));
}

/** A value checked against its column: the value, or what is wrong with it. */
function decodeValue(column: BackupColumn, value: unknown): { value: SqlValue } | { wrong: string } {
  if (value === null) return column.nullable ? { value: null } : { wrong: "must not be null" };
  if (column.kind === "text") return typeof value === "string" ? { value } : { wrong: "must be text" };
  if (column.kind === "int")
    return Number.isSafeInteger(value) ? { value: value as number } : { wrong: "must be a whole number" };
  const encoded = (value as { base64?: unknown } | null)?.base64;
  if (typeof value !== "object" || typeof encoded !== "string") return { wrong: 'must be {"base64": "…"}' };
  const bytes = fromBase64(encoded);
  return bytes === null ? { wrong: "is not valid base64" } : { value: bytes };
}

/**
 * Checks and decodes the rows of a table as they arrived, each an array of its values in column order.
 * @param path the JSON path of the rows in their request (`$.rows`), for the details.
 * @throws ServiceError `bad_request` naming each wrong value by its path (the first 20).
 */
export function decodeRows(table: BackupTable, rows: unknown, path: string): SqlValue[][] {
  if (!Array.isArray(rows)) throw new ServiceError("bad_request", `\`${path}\` must be an array of rows`);
  const details: ErrorDetail[] = [];
  const decoded: SqlValue[][] = [];
  rows.forEach((row: unknown, n) => {
    if (!Array.isArray(row) || row.length !== table.columns.length) {
      details.push({
        path: `${path}[${n}]`,
        message: `must be an array of the ${table.columns.length} values of ${table.name} (${columnList(table)})`,
      });
      return;
    }
    const values: SqlValue[] = [];
    table.columns.forEach((column, c) => {
      const checked = decodeValue(column, row[c]);
      if ("wrong" in checked)
        details.push({ path: `${path}[${n}][${c}]`, message: `${column.name} ${checked.wrong}` });
      else values.push(checked.value);
    });
    decoded.push(values);
  });
  if (details.length > 0) {
    throw new ServiceError(
      "bad_request",
      `${details.length} value(s) of ${table.name} are not what the table holds`,
      details.slice(0, 20),
    );
  }
  return decoded;
}
