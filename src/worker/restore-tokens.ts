/**
 * The token hashes a restore may stage. The edge keeps every organization's feeds side by side in one bucket, an
 * object per token hash (`edge-sync.ts`), and a restore's commit queues each restored feed and dead link for the
 * edge: a row carrying a hash of ANOTHER organization's link would have the alarm write over that organization's
 * feed (its subscribers served this organization's calendar) or bury it under a dead marker. So a restore stages a
 * hash only when it is one this Worker's `FEED_SECRET` derives for the organization restored into: a feed's for
 * its link version (`links`, staged before it; 1 without a row), a dead link's for one of its feed's versions.
 * Partner keys are routed through the bucket too (`partner-index.ts`): one whose id or hash entry already names
 * another organization is refused before the commit writes anything.
 */
import { ServiceError, type ErrorDetail } from "../core/errors.ts";
import type { BackupTable } from "../core/store/backup-tables.ts";
import { parseFeedKey, type FeedKey } from "../core/store/keys.ts";
import { num, text, type SqlPort, type SqlValue } from "../core/store/sql-port.ts";
import type { FeedTokens } from "../core/tokens.ts";

/** The staged link version of a feed (1 until first rotated, as `links-table.ts` says). */
function stagedVersion(sql: SqlPort, feed: string): number {
  const row = sql.all("SELECT version FROM restore_links WHERE feed = ?", feed)[0];
  return row === undefined ? 1 : num(row, "version");
}

/**
 * Link versions a chunk of dead links may make this Worker derive to find theirs: about a second's work, and a
 * hundred rotations for each of a full chunk's links (a link is rotated when it leaked, a few times at most).
 */
export const MAX_DERIVED = 100_000;

function tooManyVersions(table: BackupTable, rows: SqlValue[][], feedAt: number, feed: string) {
  const n = rows.findIndex((row) => row[feedAt] === feed);
  return new ServiceError(
    "bad_request",
    `The dead links of ${table.name} ask for more than ${MAX_DERIVED} link versions to be derived to check ` +
      `them (up to ${feed}'s): send fewer of them per chunk.`,
    [{ path: `$.rows[${n}][0]`, message: `${feed}: too many link versions to check` }],
  );
}

function wrongHash(table: BackupTable, org: string, details: ErrorDetail[]): ServiceError {
  return new ServiceError(
    "bad_request",
    `${details.length} token hash(es) of ${table.name} are not links of ${org} under this Worker's FEED_SECRET ` +
      "(links are staged before feeds and dead links, as a backup lists them).",
    details.slice(0, 20),
  );
}

/**
 * Checks that the token hashes of a chunk of `feeds` or `dead_links` are links of `org` (other tables pass).
 * @throws ServiceError `bad_request` naming each foreign hash by its path.
 */
export async function checkRestoredTokens(
  sql: SqlPort,
  org: string,
  table: BackupTable,
  rows: SqlValue[][],
  tokens: FeedTokens,
): Promise<void> {
  if (table.name !== "feeds" && table.name !== "dead_links") return;
  const hashAt = table.columns.findIndex((c) => c.name === "token_hash");
  const feedAt = table.columns.findIndex((c) => c.name === "feed");
  const hashOf = async (feed: string, version: number) => {
    const { kind, id } = parseFeedKey(feed as FeedKey);
    if (kind !== "person" && kind !== "schedule") return null;
    return tokens.hash(await tokens.derive({ kind, org, id, version }));
  };
  const details: ErrorDetail[] = [];
  if (table.name === "feeds") {
    for (const [n, row] of rows.entries()) {
      const feed = String(row[feedAt]);
      if (row[hashAt] !== (await hashOf(feed, stagedVersion(sql, feed))))
        details.push({ path: `$.rows[${n}][${hashAt}]`, message: `not the link of ${feed}` });
    }
  } else {
    // Each feed's versions are derived once for the chunk, and only as far as its dead links need.
    const wanted = new Map<string, Set<string>>();
    for (const row of rows) {
      const feed = String(row[feedAt]);
      wanted.set(feed, (wanted.get(feed) ?? new Set()).add(String(row[hashAt])));
    }
    const known = new Set<string>();
    let budget = MAX_DERIVED;
    for (const [feed, hashes] of wanted) {
      const last = stagedVersion(sql, feed);
      for (let version = 1, left = hashes.size; version <= last && left > 0; version++) {
        if (--budget < 0) throw tooManyVersions(table, rows, feedAt, feed);
        const hash = await hashOf(feed, version);
        if (hash === null) break;
        if (hashes.has(hash)) left--;
        known.add(hash);
      }
    }
    rows.forEach((row, n) => {
      if (!known.has(String(row[hashAt])))
        details.push({ path: `$.rows[${n}][${hashAt}]`, message: `not a link of ${String(row[feedAt])}` });
    });
  }
  if (details.length > 0) throw wrongHash(table, org, details);
}

/** The organizations the bucket's entries of a partner key's id and hash name (none: not routed yet). */
export type PartnerEntryOwners = (id: string, keyHash: string) => Promise<string[]>;

/**
 * Checks that no staged partner key's id or hash is already routed to another organization.
 * @throws ServiceError `conflict` naming the key.
 */
export async function checkRestoredPartnerKeys(
  sql: SqlPort,
  org: string,
  ownersOf: PartnerEntryOwners,
): Promise<void> {
  for (const row of sql.all("SELECT id, key_hash FROM restore_partner_keys")) {
    const owners = await ownersOf(text(row, "id"), text(row, "key_hash"));
    if (owners.some((owner) => owner !== org)) {
      throw new ServiceError(
        "conflict",
        `Partner key ${text(row, "id")} of the backup is another organization's: a key never moves to another ` +
          "organization (restoring it here would take it from that one). Leave it out of the backup.",
        [{ path: "$.rows.partner_keys", message: `${text(row, "id")} belongs to another organization` }],
      );
    }
  }
}
