/**
 * Feed keys inside an organization (`person/<id>`, `schedule/<id>`) and the keys of the blobs a publish writes.
 * Blob keys name their content: a body by the SHA-256 of its identity bytes, a piece by the fingerprint of its
 * input, a state by its revision, so an unchanged value keeps its key and a changed one never overwrites a key a
 * reader may still be using.
 */

/** Feeds inside an organization: `person/<id>` or `schedule/<id>`. */
export type FeedKey = `person/${string}` | `schedule/${string}`;

export const personFeedKey = (person: string): FeedKey => `person/${person}`;
export const scheduleFeedKey = (schedule: string): FeedKey => `schedule/${schedule}`;

/** Splits a feed key into its kind and id. */
export function parseFeedKey(key: FeedKey): { kind: "person" | "schedule"; id: string } {
  const slash = key.indexOf("/");
  return { kind: key.slice(0, slash) as "person" | "schedule", id: key.slice(slash + 1) };
}

/** A schedule revision's state (snapshot + change history), gzip JSON. */
export const stateBlobKey = (org: string, schedule: string, revision: number) =>
  `s/${org}/${schedule}/${revision}`;

/** One person's rendered events in one schedule, for input fingerprint `inputHash`. */
export const pieceBlobKey = (org: string, schedule: string, person: string, inputHash: string) =>
  `p/${org}/${schedule}/${person}/${inputHash}`;

/** A feed body: gzip (`g`) or, for big feeds, identity (`i`), named by the SHA-256 hex of its identity bytes. */
export const bodyBlobKey = (org: string, feed: FeedKey, hexDigest: string, coding: "gzip" | "identity") =>
  `${coding === "gzip" ? "g" : "i"}/${org}/${feed}/${hexDigest}`;
