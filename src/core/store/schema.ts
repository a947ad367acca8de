/**
 * The database schema, the same on every runtime. Created idempotently; `meta.schema` records its version.
 *
 * - `schedules`: each schedule's current revision and the blob key of its state (snapshot + change history).
 * - `pieces`: one person's rendered events in one schedule (the feed window of that schedule), so a person's feed
 *   is assembled from stored pieces without loading any other schedule.
 * - `feeds`: every live feed by organization and feed key: the hash of its token (never the token), its
 *   validators, and the blob keys of its gzip body (and, for big feeds, its identity body).
 * - `links`: link versions, kept after a feed goes so a returning person never revives an old link.
 * - `blobs`: large values split into parts; `garbage`: blob keys no longer referenced, deleted after a grace
 *   period so a reader that has just looked a feed up can still read its body.
 * - `partner_keys` (version 2): partner API keys, stored as SHA-256 of the key, with each key's quota.
 *
 * Each version after the first adds its statements in {@link MIGRATIONS}; `ensureSchema` brings an older
 * database forward, one version at a time, in one transaction.
 */
import type { SqlPort } from "./sql-port.ts";

/** Version of the schema below; a database with another version is refused (no silent reinterpretation). */
export const SCHEMA_VERSION = 2;

const TABLES = [
  `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS orgs (org TEXT PRIMARY KEY, name TEXT NOT NULL, tier TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS schedules (
    org TEXT NOT NULL, schedule TEXT NOT NULL, revision INTEGER NOT NULL, name TEXT NOT NULL,
    timezone TEXT NOT NULL, snapshot_hash TEXT NOT NULL, published_at TEXT NOT NULL,
    received_at INTEGER NOT NULL, people INTEGER NOT NULL, assignments INTEGER NOT NULL,
    retired INTEGER NOT NULL, state_key TEXT NOT NULL, rolled_for TEXT NOT NULL,
    PRIMARY KEY (org, schedule))`,
  `CREATE TABLE IF NOT EXISTS pieces (
    org TEXT NOT NULL, person TEXT NOT NULL, schedule TEXT NOT NULL, name TEXT NOT NULL,
    input_hash TEXT NOT NULL, events INTEGER NOT NULL, body_key TEXT NOT NULL,
    PRIMARY KEY (org, person, schedule))`,
  `CREATE INDEX IF NOT EXISTS pieces_by_schedule ON pieces (org, schedule)`,
  `CREATE TABLE IF NOT EXISTS links (org TEXT NOT NULL, feed TEXT NOT NULL, version INTEGER NOT NULL,
    PRIMARY KEY (org, feed))`,
  `CREATE TABLE IF NOT EXISTS feeds (
    org TEXT NOT NULL, feed TEXT NOT NULL, token_hash TEXT NOT NULL, etag TEXT NOT NULL,
    last_modified INTEGER NOT NULL, lm_shared INTEGER NOT NULL, size INTEGER NOT NULL, events INTEGER NOT NULL,
    input_hash TEXT NOT NULL, body_key TEXT NOT NULL, identity_key TEXT,
    PRIMARY KEY (org, feed))`,
  `CREATE UNIQUE INDEX IF NOT EXISTS feeds_by_token ON feeds (token_hash)`,
  `CREATE TABLE IF NOT EXISTS blobs (key TEXT NOT NULL, part INTEGER NOT NULL, bytes BLOB NOT NULL,
    PRIMARY KEY (key, part)) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS garbage (key TEXT PRIMARY KEY, since INTEGER NOT NULL)`,
];

/** What each version adds to the one before (version 1 is {@link TABLES}). */
const MIGRATIONS: Record<number, readonly string[]> = {
  // Version 2: partner API keys (issue 9). Only the key's SHA-256 is stored; `revoked_at` set = dead.
  2: [
    `CREATE TABLE IF NOT EXISTS partner_keys (
      id TEXT PRIMARY KEY, key_hash TEXT NOT NULL, org TEXT NOT NULL, name TEXT NOT NULL,
      burst INTEGER NOT NULL, per_hour INTEGER NOT NULL, created_at INTEGER NOT NULL, revoked_at INTEGER)`,
    `CREATE UNIQUE INDEX IF NOT EXISTS partner_keys_by_hash ON partner_keys (key_hash)`,
  ],
};

/**
 * Creates the schema when missing, and brings a database of an older version forward.
 * @throws Error naming both versions when the database was written by a newer schema version.
 */
export function ensureSchema(sql: SqlPort): void {
  sql.transaction(() => {
    for (const statement of TABLES) sql.run(statement);
    const row = sql.all("SELECT value FROM meta WHERE key = 'schema'")[0];
    const found = row === undefined ? 1 : Number(row["value"]);
    if (!Number.isInteger(found) || found < 1 || found > SCHEMA_VERSION) {
      throw new Error(
        `the database has schema version ${String(row?.["value"])}; this shiftfeed reads version ${SCHEMA_VERSION}`,
      );
    }
    for (let version = found + 1; version <= SCHEMA_VERSION; version++)
      for (const statement of MIGRATIONS[version] ?? []) sql.run(statement);
    writeMeta(sql, "schema", String(SCHEMA_VERSION));
  });
}

/** A value of the `meta` table, or `null`. */
export function readMeta(sql: SqlPort, key: string): string | null {
  const value = sql.all("SELECT value FROM meta WHERE key = ?", key)[0]?.["value"];
  return typeof value === "string" ? value : null;
}

/** Sets a value of the `meta` table. */
export function writeMeta(sql: SqlPort, key: string, value: string): void {
  sql.run(
    "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    key,
    value,
  );
}
