/**
 * The `dead_links` table (schema version 4): SHA-256 of every token that once opened a feed and no longer does.
 * Calendar services keep polling a link long after it stopped working (Google Calendar polls an unsubscribed or
 * rotated link for as long as the subscription exists in someone's account), often from one shared address for
 * thousands of people; counted as misses, those polls would lock the address out of every live feed. Knowing
 * them lets the feed answer say "gone" without counting anything.
 *
 * Rows are written by `putFeed` and `deleteFeed` (`feeds-table.ts`), the only two ways a token hash leaves the
 * `feeds` table, in the same transaction: a rotation's old hash is `rotated` (that link version never opens
 * anything again), a feed that went keeps its hash as not rotated (the same link returns if the feed does: see
 * `links-table.ts`), and a hash that opens a feed again is removed.
 */
import { num, type SqlPort } from "./sql-port.ts";

/** What a dead token was: replaced by a rotation (for good), or the link of a feed that went (may return). */
export type DeadLink = "rotated" | "retired";

/** Whether a token hash is a known dead link, and which kind; `null` when it was never seen. */
export function deadLinkOf(sql: SqlPort, tokenHash: string): DeadLink | null {
  const row = sql.all("SELECT rotated FROM dead_links WHERE token_hash = ?", tokenHash)[0];
  return row === undefined ? null : num(row, "rotated") === 1 ? "rotated" : "retired";
}

/** Records the token hash a feed row holds now as dead (call before the row changes or goes). */
export function buryFeedToken(sql: SqlPort, org: string, feed: string, rotated: boolean): void {
  sql.run(
    `INSERT INTO dead_links (token_hash, org, feed, rotated)
       SELECT token_hash, org, feed, ? FROM feeds WHERE org = ? AND feed = ?
     ON CONFLICT (token_hash) DO UPDATE SET rotated = max(rotated, excluded.rotated)`,
    rotated ? 1 : 0,
    org,
    feed,
  );
}

/** Forgets a token hash that opens a feed (again). */
export function reviveToken(sql: SqlPort, tokenHash: string): void {
  sql.run("DELETE FROM dead_links WHERE token_hash = ?", tokenHash);
}

/** How many dead links are known. */
export function countDeadLinks(sql: SqlPort): number {
  return num(sql.all("SELECT count(*) AS n FROM dead_links")[0]!, "n");
}
