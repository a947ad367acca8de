/**
 * Store keys. Ids may legally be `.` or `..`, so every id segment carries a prefix; feed bodies are
 * content-addressed and sharded by the first two hex digits of their hash (256 folders).
 */

/** The pointer document of an organization: swapping it makes a whole publish live at once. */
export const manifestKey = (org: string) => `orgs/o.${org}/manifest.json`;

/** Prefix under which every organization's folder lives. */
export const ORGS_PREFIX = "orgs/";

/** A schedule revision's state (snapshot + change history), gzip-compressed JSON. */
export const scheduleStateKey = (org: string, schedule: string, revision: number) =>
  `orgs/o.${org}/s.${schedule}/r${revision}.json.gz`;

/** Prefix of every feed body. */
export const FEEDS_PREFIX = "feeds/";

/**
 * A feed body, gzip-compressed, named by the hex SHA-256 of its identity bytes. Bodies live under their
 * organization so that one tenant's garbage collection can never remove a body another tenant shares.
 */
export const feedBlobKey = (org: string, hexDigest: string) =>
  `feeds/o.${org}/${hexDigest.slice(0, 2)}/${hexDigest}.ics.gz`;

/** Feeds inside an organization: `person/<id>` or `schedule/<id>`. */
export type FeedKey = `person/${string}` | `schedule/${string}`;

export const personFeedKey = (person: string): FeedKey => `person/${person}`;
export const scheduleFeedKey = (schedule: string): FeedKey => `schedule/${schedule}`;

/** Splits a feed key into its kind and id. */
export function parseFeedKey(key: FeedKey): { kind: "person" | "schedule"; id: string } {
  const slash = key.indexOf("/");
  return { kind: key.slice(0, slash) as "person" | "schedule", id: key.slice(slash + 1) };
}
