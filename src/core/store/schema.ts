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
 * - `fetch_*` (version 2): who polls what, written in batches (see `fetches-table.ts`).
 * - `partner_keys` (version 3): partner API keys, stored as SHA-256 of the key, with each key's quota.
 * - `dead_links` (version 4): SHA-256 of every token that opened a feed and no longer does (rotated, or its feed
 *   gone), so a poll of a dead link is answered cheaply and never counted as a scan (see `dead-links-table.ts`).
 *
 * Each version after the first adds its statements as one {@link MIGRATIONS} step: a new database runs them all,
 * an older one runs the steps above its version, in the same transaction that records the new version.
 */
import type { SqlPort } from "./sql-port.ts";

/**
 * Version of the schema below. An older database is migrated forward by {@link MIGRATIONS}; a newer one is refused
 * (no silent reinterpretation).
 */
export const SCHEMA_VERSION = 4;

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

// ---- version 2: fetch telemetry ------------------------------------------------------------------------------
/**
 * - `fetch_last`: per feed and client family, the last request (time in ms, status, user agent) and a count;
 * - `fetch_minutes`: requests per minute by client family and status (kept a day);
 * - `fetch_top`: per minute, the busiest clients (feed, client family, user agent) of that minute (kept a day);
 * - `fetch_totals`: requests by client family and status since the database was created.
 */
const FETCH_TELEMETRY_TABLES = [
  `CREATE TABLE IF NOT EXISTS fetch_last (
    org TEXT NOT NULL, feed TEXT NOT NULL, client TEXT NOT NULL, at INTEGER NOT NULL, status INTEGER NOT NULL,
    user_agent TEXT, requests INTEGER NOT NULL, PRIMARY KEY (org, feed, client))`,
  `CREATE TABLE IF NOT EXISTS fetch_minutes (minute INTEGER NOT NULL, client TEXT NOT NULL,
    status INTEGER NOT NULL, requests INTEGER NOT NULL, PRIMARY KEY (minute, client, status))`,
  `CREATE TABLE IF NOT EXISTS fetch_top (minute INTEGER NOT NULL, subject TEXT NOT NULL, client TEXT NOT NULL,
    user_agent TEXT NOT NULL, requests INTEGER NOT NULL, PRIMARY KEY (minute, subject, client, user_agent))`,
  `CREATE TABLE IF NOT EXISTS fetch_totals (client TEXT NOT NULL, status INTEGER NOT NULL,
    requests INTEGER NOT NULL, PRIMARY KEY (client, status))`,
];

// ---- version 3: partner API keys ------------------------------------------------------------------------------
/** Only the key's SHA-256 is stored; `revoked_at` set = dead. */
const PARTNER_KEY_TABLES = [
  `CREATE TABLE IF NOT EXISTS partner_keys (
    id TEXT PRIMARY KEY, key_hash TEXT NOT NULL, org TEXT NOT NULL, name TEXT NOT NULL,
    burst INTEGER NOT NULL, per_hour INTEGER NOT NULL, created_at INTEGER NOT NULL, revoked_at INTEGER)`,
  `CREATE UNIQUE INDEX IF NOT EXISTS partner_keys_by_hash ON partner_keys (key_hash)`,
];

// ---- version 4: dead links ---------------------------------------------------------------------------------------
/** `rotated` 1: the link was replaced (never opens anything again); 0: its feed went and may come back. */
const DEAD_LINK_TABLES = [
  `CREATE TABLE IF NOT EXISTS dead_links (token_hash TEXT PRIMARY KEY, org TEXT NOT NULL, feed TEXT NOT NULL,
    rotated INTEGER NOT NULL) WITHOUT ROWID`,
];

/** The steps from each version to the next: `to` is the version a step's statements bring a database to. */
const MIGRATIONS: readonly { to: number; statements: readonly string[] }[] = [
  { to: 2, statements: FETCH_TELEMETRY_TABLES },
  { to: 3, statements: PARTNER_KEY_TABLES },
  { to: 4, statements: DEAD_LINK_TABLES },
];

/** A database written by a schema version this build does not read (a newer build's, or an unknown one). */
export class SchemaVersionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SchemaVersionError";
  }
}

/**
 * Creates the schema when missing, migrates an older one forward, and checks its version: one transaction, so a
 * migration lands whole or not at all.
 * @throws SchemaVersionError naming both versions when the database was written by a newer (or unknown) schema version.
 */
export function ensureSchema(sql: SqlPort): void {
  sql.transaction(() => {
    for (const statement of TABLES) sql.run(statement);
    const row = sql.all("SELECT value FROM meta WHERE key = 'schema'")[0];
    const found = row === undefined ? 1 : Number(row["value"]);
    if (!Number.isInteger(found) || found < 1 || found > SCHEMA_VERSION) {
      throw new SchemaVersionError(
        `the database has schema version ${String(row?.["value"])}; this shiftfeed reads version ${SCHEMA_VERSION}`,
      );
    }
    for (const step of MIGRATIONS) {
      if (step.to > found) for (const statement of step.statements) sql.run(statement);
    }
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
