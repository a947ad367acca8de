/**
 * The `partner_keys` table: partner API keys by id, each stored as the SHA-256 of the key (a leaked database
 * holds no usable key), scoped to one organization, with its own quota; a revoked key keeps its row.
 */
import { num, text, type SqlPort, type SqlRow } from "./sql-port.ts";

/** A partner key's row. Times are whole seconds since the epoch. */
export interface PartnerKeyRow {
  id: string;
  /** Hex SHA-256 of the key. */
  keyHash: string;
  org: string;
  name: string;
  /** The key's quota: a burst, refilled per hour. */
  burst: number;
  perHour: number;
  createdAt: number;
  revokedAt: number | null;
}

const COLUMNS = "id, key_hash, org, name, burst, per_hour, created_at, revoked_at";

function toRow(row: SqlRow): PartnerKeyRow {
  return {
    id: text(row, "id"),
    keyHash: text(row, "key_hash"),
    org: text(row, "org"),
    name: text(row, "name"),
    burst: num(row, "burst"),
    perHour: num(row, "per_hour"),
    createdAt: num(row, "created_at"),
    revokedAt: row["revoked_at"] === null ? null : num(row, "revoked_at"),
  };
}

/** Stores a new key. */
export function insertPartnerKey(sql: SqlPort, k: PartnerKeyRow): void {
  sql.run(
    `INSERT INTO partner_keys (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    k.id,
    k.keyHash,
    k.org,
    k.name,
    k.burst,
    k.perHour,
    k.createdAt,
    k.revokedAt,
  );
}

/** The key with this hash (revoked or not), or `null`. */
export function partnerKeyByHash(sql: SqlPort, keyHash: string): PartnerKeyRow | null {
  const row = sql.all(`SELECT ${COLUMNS} FROM partner_keys WHERE key_hash = ?`, keyHash)[0];
  return row === undefined ? null : toRow(row);
}

/** The key with this id, or `null`. */
export function partnerKeyById(sql: SqlPort, id: string): PartnerKeyRow | null {
  const row = sql.all(`SELECT ${COLUMNS} FROM partner_keys WHERE id = ?`, id)[0];
  return row === undefined ? null : toRow(row);
}

/** Every key (of one organization, when given), oldest first. */
export function partnerKeys(sql: SqlPort, org?: string): PartnerKeyRow[] {
  const rows =
    org === undefined
      ? sql.all(`SELECT ${COLUMNS} FROM partner_keys ORDER BY created_at, id`)
      : sql.all(`SELECT ${COLUMNS} FROM partner_keys WHERE org = ? ORDER BY created_at, id`, org);
  return rows.map(toRow);
}

/** Marks a key revoked (once: a second revocation keeps the first time). */
export function revokePartnerKey(sql: SqlPort, id: string, atSeconds: number): void {
  sql.run("UPDATE partner_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", atSeconds, id);
}
