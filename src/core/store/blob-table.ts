/**
 * Large values in the `blobs` table, split into parts of at most `MAX_VALUE_BYTES` (a Durable Object row holds at
 * most 2 MB), read back whole or part by part (so a big feed can be streamed without holding it in memory).
 * Replaced and deleted keys pass through `garbage` and go after a grace period.
 */
import { joinBytes } from "../digest.ts";
import { MAX_VALUE_BYTES, num, type SqlPort } from "./sql-port.ts";

/** Writes `value` under `key` (replacing any parts it had). Call inside a transaction. */
export function putBlob(sql: SqlPort, key: string, value: Uint8Array): void {
  sql.run("DELETE FROM blobs WHERE key = ?", key);
  sql.run("DELETE FROM garbage WHERE key = ?", key); // written again: referenced again
  const parts = Math.max(1, Math.ceil(value.length / MAX_VALUE_BYTES));
  for (let part = 0; part < parts; part++) {
    const slice = value.subarray(part * MAX_VALUE_BYTES, (part + 1) * MAX_VALUE_BYTES);
    sql.run("INSERT INTO blobs (key, part, bytes) VALUES (?, ?, ?)", key, part, slice);
  }
}

/** Whether a blob exists. */
export function hasBlob(sql: SqlPort, key: string): boolean {
  return sql.all("SELECT 1 AS one FROM blobs WHERE key = ? AND part = 0", key).length > 0;
}

/** How many parts a blob has (0 when absent). */
export function blobParts(sql: SqlPort, key: string): number {
  const row = sql.all("SELECT count(*) AS n FROM blobs WHERE key = ?", key)[0];
  return row === undefined ? 0 : num(row, "n");
}

/** One part of a blob, or `null` when the key or part is absent. */
export function readBlobPart(sql: SqlPort, key: string, part: number): Uint8Array | null {
  const value = sql.all("SELECT bytes FROM blobs WHERE key = ? AND part = ?", key, part)[0]?.["bytes"];
  return value instanceof Uint8Array ? value : null;
}

/** A whole blob as its parts in order (not copied into one buffer), or `null` when absent. */
export function readBlobParts(sql: SqlPort, key: string): Uint8Array[] | null {
  const rows = sql.all("SELECT bytes FROM blobs WHERE key = ? ORDER BY part", key);
  return rows.length === 0 ? null : rows.map((row) => row["bytes"] as Uint8Array);
}

/** A whole blob, or `null` when absent. */
export function readBlob(sql: SqlPort, key: string): Uint8Array | null {
  const parts = readBlobParts(sql, key);
  return parts === null ? null : joinBytes(parts);
}

/** Marks a blob unreferenced as of `nowSeconds`; it is deleted once the grace period has passed. */
export function releaseBlob(sql: SqlPort, key: string, nowSeconds: number): void {
  sql.run("INSERT INTO garbage (key, since) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", key, nowSeconds);
}

/**
 * Deletes blobs released before `cutoffSeconds`, at most `limit` of them (so one call stays short).
 * @returns how many were deleted.
 */
export function collectGarbage(sql: SqlPort, cutoffSeconds: number, limit = 1000): number {
  return sql.transaction(() => {
    const keys = sql.all("SELECT key FROM garbage WHERE since < ? LIMIT ?", cutoffSeconds, limit);
    for (const row of keys) {
      sql.run("DELETE FROM blobs WHERE key = ?", row["key"] as string);
      sql.run("DELETE FROM garbage WHERE key = ?", row["key"] as string);
    }
    return keys.length;
  });
}
