/**
 * Whether the feed secret is the one the stored links were made with. Every link is derived from `FEED_SECRET`
 * and the store holds only the hashes of the tokens, so a different secret makes every stored link unreachable
 * while the lookups hand out new links that open nothing either. The database therefore keeps a fingerprint of
 * the secret (`meta.feed_secret_fingerprint`), and a start (Node) or a Durable Object (Workers) under another
 * secret is refused instead of serving nothing.
 *
 * The fingerprint is HMAC-SHA256(secret, "shiftfeed/fingerprint/v1"), first 16 bytes in hex: a keyed value of a
 * fixed message, which tells nothing about the secret (no more than a token does) and cannot be made without it.
 * A database from before fingerprints is checked against the links it holds — the tokens of a few stored feeds
 * are derived again and their hashes compared — and its fingerprint is recorded only when they match.
 */
import { parseFeedKey, type FeedKey } from "./keys.ts";
import { webTokenCrypto, type FeedTokens, type TokenCrypto } from "../tokens.ts";
import { toHex } from "../digest.ts";
import { linkVersion } from "./links-table.ts";
import { readMeta, writeMeta } from "./schema.ts";
import { text, type SqlPort } from "./sql-port.ts";

/** The `meta` key the fingerprint is kept under. */
export const FINGERPRINT_KEY = "feed_secret_fingerprint";
/** How many stored feeds a database without a fingerprint is checked against. */
const SAMPLE_FEEDS = 3;

/** What the check found. */
export type SecretCheck =
  /** The recorded fingerprint is this secret's. */
  | "matches"
  /** Nothing to compare (no fingerprint, no feed): this secret's fingerprint is now recorded. */
  | "recorded"
  /** No fingerprint, but the stored links are this secret's: its fingerprint is now recorded. */
  | "verified"
  /** Another secret made the stored links; nothing was written. */
  | "mismatch";

/** The fingerprint of a feed secret (32 hex digits). */
export async function secretFingerprint(
  secret: Uint8Array,
  primitives: TokenCrypto = webTokenCrypto,
): Promise<string> {
  const mac = await (await primitives.hmacKey(secret))(new TextEncoder().encode("shiftfeed/fingerprint/v1"));
  return toHex(mac.subarray(0, 16));
}

/**
 * Compares the secret with the data (see the module comment) and records its fingerprint when there is none.
 * @param tokens the token operations under the secret whose fingerprint is `fingerprint`.
 */
export async function checkFeedSecret(
  sql: SqlPort,
  tokens: FeedTokens,
  fingerprint: string,
): Promise<SecretCheck> {
  const recorded = readMeta(sql, FINGERPRINT_KEY);
  if (recorded !== null) return recorded === fingerprint ? "matches" : "mismatch";
  const sample = sql.all("SELECT org, feed, token_hash FROM feeds ORDER BY org, feed LIMIT ?", SAMPLE_FEEDS);
  for (const row of sample) {
    const org = text(row, "org");
    const feed = text(row, "feed") as FeedKey;
    const { kind, id } = parseFeedKey(feed);
    const token = await tokens.derive({ kind, org, id, version: linkVersion(sql, org, feed) });
    if ((await tokens.hash(token)) !== text(row, "token_hash")) return "mismatch";
  }
  sql.transaction(() => writeMeta(sql, FINGERPRINT_KEY, fingerprint));
  return sample.length === 0 ? "recorded" : "verified";
}

/**
 * Adopts a new feed secret: every live feed's token hash is derived again under it (every link changes; the old
 * ones open nothing from then on) and its fingerprint recorded, in one transaction.
 * @returns how many feeds got a new link.
 */
export async function adoptFeedSecret(
  sql: SqlPort,
  tokens: FeedTokens,
  fingerprint: string,
): Promise<number> {
  const hashes: { org: string; feed: string; hash: string }[] = [];
  for (const row of sql.all("SELECT org, feed FROM feeds")) {
    const org = text(row, "org");
    const feed = text(row, "feed") as FeedKey;
    const { kind, id } = parseFeedKey(feed);
    const token = await tokens.derive({ kind, org, id, version: linkVersion(sql, org, feed) });
    hashes.push({ org, feed, hash: await tokens.hash(token) });
  }
  sql.transaction(() => {
    for (const h of hashes)
      sql.run("UPDATE feeds SET token_hash = ? WHERE org = ? AND feed = ?", h.hash, h.org, h.feed);
    writeMeta(sql, FINGERPRINT_KEY, fingerprint);
  });
  return hashes.length;
}
