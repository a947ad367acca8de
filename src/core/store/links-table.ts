/**
 * The `links` table: each feed's link version. A token is derived from (kind, org, id, version) under the server
 * secret; rotating a link bumps the version. Versions outlive their feeds, so a person who leaves and returns
 * gets the rotated link back, never an old one.
 */
import type { FeedKey } from "./keys.ts";
import { num, type SqlPort } from "./sql-port.ts";

/** The link version of a feed: 1 until it is first rotated. */
export function linkVersion(sql: SqlPort, org: string, feed: FeedKey): number {
  const row = sql.all("SELECT version FROM links WHERE org = ? AND feed = ?", org, feed)[0];
  return row === undefined ? 1 : num(row, "version");
}

/** Sets a feed's link version. */
export function setLinkVersion(sql: SqlPort, org: string, feed: FeedKey, version: number): void {
  sql.run(
    "INSERT INTO links (org, feed, version) VALUES (?, ?, ?) ON CONFLICT (org, feed) DO UPDATE SET version = excluded.version",
    org,
    feed,
    version,
  );
}
