/**
 * Dead links from before they were recorded: a database written before schema version 4 knows every link that was
 * rotated only as a link version (`links`), not as a dead token hash. Tokens are derived from (kind, org, id,
 * version) under the feed secret, so the hashes of those dead links can be derived again: every version below a
 * feed's current one was rotated away, and the current version of a feed that went is the link of a feed that may
 * return. Done once per database (recorded in `meta`); a feed that went without ever being rotated has no `links`
 * row and cannot be recovered — its link counts as a miss, as it did before.
 */
import { readMeta, writeMeta } from "../store/schema.ts";
import { num, text, type SqlPort } from "../store/sql-port.ts";
import type { FeedTokens } from "../tokens.ts";
import { parseFeedKey, type FeedKey } from "../store/keys.ts";

const DONE = "dead_links_derived";
/** Most link versions derived for one feed (a feed rotated more often than this keeps only its latest ones). */
const MAX_VERSIONS_PER_FEED = 1000;

/**
 * Derives and records the dead links a pre-version-4 database implies; a no-op once done.
 * @returns how many dead links were recorded.
 */
export async function deriveDeadLinks(sql: SqlPort, tokens: FeedTokens): Promise<number> {
  if (readMeta(sql, DONE) !== null) return 0;
  const rows = sql.all(
    `SELECT l.org AS org, l.feed AS feed, l.version AS version, f.token_hash AS live
       FROM links l LEFT JOIN feeds f ON f.org = l.org AND f.feed = l.feed`,
  );
  const dead: { hash: string; org: string; feed: string; rotated: number }[] = [];
  for (const row of rows) {
    const org = text(row, "org");
    const feed = text(row, "feed") as FeedKey;
    const current = num(row, "version");
    const live = typeof row["live"] === "string";
    const { kind, id } = parseFeedKey(feed);
    const last = live ? current - 1 : current;
    for (let version = Math.max(1, last - MAX_VERSIONS_PER_FEED + 1); version <= last; version++) {
      const hash = await tokens.hash(await tokens.derive({ kind, org, id, version }));
      dead.push({ hash, org, feed, rotated: version < current ? 1 : 0 });
    }
  }
  sql.transaction(() => {
    for (const d of dead) {
      sql.run(
        `INSERT INTO dead_links (token_hash, org, feed, rotated) VALUES (?, ?, ?, ?)
         ON CONFLICT (token_hash) DO NOTHING`,
        d.hash,
        d.org,
        d.feed,
        d.rotated,
      );
    }
    writeMeta(sql, DONE, "1");
  });
  return dead.length;
}
