/**
 * The `feeds` table: every live feed, found by the hash of its token (serving) or by organization and feed key
 * (publishing, admin). A row holds what a `304` needs — validators — and the blob keys of its bodies.
 */
import type { FeedKey } from "./keys.ts";
import { buryFeedToken, reviveToken } from "./dead-links-table.ts";
import { num, text, type SqlPort, type SqlRow } from "./sql-port.ts";

/** A live feed as stored. Times are whole seconds since the epoch. */
export interface FeedRow {
  org: string;
  feed: FeedKey;
  /** Hex SHA-256 of the feed's current token. */
  tokenHash: string;
  etag: string;
  lastModified: number;
  /** An earlier version had the same `lastModified` second (see `nextLastModified`). */
  lastModifiedShared: boolean;
  /** Length of the identity body, in bytes. */
  size: number;
  events: number;
  /** Fingerprint of everything the render used: equal input, equal bytes. */
  inputHash: string;
  /** Blob key of the gzip body. */
  bodyKey: string;
  /** Blob key of the identity body, stored for big feeds only (streamed without decompressing). */
  identityKey: string | null;
}

const COLUMNS =
  "org, feed, token_hash, etag, last_modified, lm_shared, size, events, input_hash, body_key, identity_key";

function toFeed(row: SqlRow): FeedRow {
  const identity = row["identity_key"];
  return {
    org: text(row, "org"),
    feed: text(row, "feed") as FeedKey,
    tokenHash: text(row, "token_hash"),
    etag: text(row, "etag"),
    lastModified: num(row, "last_modified"),
    lastModifiedShared: num(row, "lm_shared") !== 0,
    size: num(row, "size"),
    events: num(row, "events"),
    inputHash: text(row, "input_hash"),
    bodyKey: text(row, "body_key"),
    identityKey: typeof identity === "string" ? identity : null,
  };
}

/** The live feed a token hash opens, or `null`. */
export function feedByTokenHash(sql: SqlPort, tokenHash: string): FeedRow | null {
  const row = sql.all(`SELECT ${COLUMNS} FROM feeds WHERE token_hash = ?`, tokenHash)[0];
  return row === undefined ? null : toFeed(row);
}

/** A feed by organization and key, or `null`. */
export function feedByKey(sql: SqlPort, org: string, feed: FeedKey): FeedRow | null {
  const row = sql.all(`SELECT ${COLUMNS} FROM feeds WHERE org = ? AND feed = ?`, org, feed)[0];
  return row === undefined ? null : toFeed(row);
}

/**
 * Inserts or replaces a feed row. A token hash it replaces is kept as a rotated dead link; the hash it holds is
 * no dead link any more (`dead-links-table.ts`).
 */
export function putFeed(sql: SqlPort, f: FeedRow): void {
  sql.run(
    `INSERT INTO dead_links (token_hash, org, feed, rotated)
       SELECT token_hash, org, feed, 1 FROM feeds WHERE org = ? AND feed = ? AND token_hash <> ?
     ON CONFLICT (token_hash) DO UPDATE SET rotated = 1`,
    f.org,
    f.feed,
    f.tokenHash,
  );
  reviveToken(sql, f.tokenHash);
  sql.run(
    `INSERT INTO feeds (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (org, feed) DO UPDATE SET token_hash = excluded.token_hash, etag = excluded.etag,
       last_modified = excluded.last_modified, lm_shared = excluded.lm_shared, size = excluded.size,
       events = excluded.events, input_hash = excluded.input_hash, body_key = excluded.body_key,
       identity_key = excluded.identity_key`,
    f.org,
    f.feed,
    f.tokenHash,
    f.etag,
    f.lastModified,
    f.lastModifiedShared ? 1 : 0,
    f.size,
    f.events,
    f.inputHash,
    f.bodyKey,
    f.identityKey,
  );
}

/** Removes a feed row (its token then opens nothing, and is kept as a dead link that may return). */
export function deleteFeed(sql: SqlPort, org: string, feed: FeedKey): void {
  buryFeedToken(sql, org, feed, false);
  sql.run("DELETE FROM feeds WHERE org = ? AND feed = ?", org, feed);
}

/** Every feed key of an organization, sorted. */
export function feedKeysOf(sql: SqlPort, org: string): FeedKey[] {
  return sql
    .all("SELECT feed FROM feeds WHERE org = ? ORDER BY feed", org)
    .map((r) => text(r, "feed") as FeedKey);
}

/** How many live feeds there are (all organizations). */
export function countFeeds(sql: SqlPort): number {
  return num(sql.all("SELECT count(*) AS n FROM feeds")[0]!, "n");
}
