/**
 * The edge's view of `FEED_SECRET`. Every link is derived from the secret, and the edge refuses a token whose keyed
 * checksum fails before any read (a guess); so under another secret than the links were made with, every link
 * would answer a plain `404` — dead to its calendar app, with nothing in the logs — while the organizations'
 * Durable Objects refuse the admin calls (`org-parts.ts`). The bucket therefore holds one object naming the
 * fingerprint of the secret the links were made with (`feed-secret-check.ts`), written once by the first
 * organization's object that verified its data against the secret. An isolate reads it once, at its first token
 * that fails the checksum (a live link never pays for it): under another secret, each such token answers `503`
 * naming `FEED_SECRET`, logged once per isolate as `feed_secret_mismatch`, until the right secret is put back.
 */
import { ServiceError } from "../core/errors.ts";
import type { Logger } from "../core/logger.ts";
import { secretFingerprint } from "../core/store/feed-secret-check.ts";
import type { FeedTokens } from "../core/tokens.ts";
import { feedTokensFor } from "./feed-tokens.ts";

/** The R2 key of the marker: an empty object, the fingerprint in its metadata. */
export const SECRET_MARKER_KEY = "meta/feed-secret";

/** The answer to a link made under another feed secret. */
export const SECRET_CHANGED = new ServiceError(
  "unavailable",
  "The service is misconfigured: `FEED_SECRET` is not the secret its links were made with.",
  [],
  {},
  { "retry-after": "60" },
);

/**
 * Records the fingerprint of the secret an organization's data was verified against, unless one is recorded (a
 * head, and one put in the bucket's life).
 */
export async function recordSecretMarker(bucket: R2Bucket, fingerprint: string): Promise<void> {
  if ((await bucket.head(SECRET_MARKER_KEY)) !== null) return;
  await bucket.put(SECRET_MARKER_KEY, new Uint8Array(0), { customMetadata: { fingerprint } });
}

/**
 * Feed tokens under `FEED_SECRET` whose checksum failure is a `503` ({@link SECRET_CHANGED}) instead of a guess
 * when the marker names another secret's fingerprint. Each call waits for the tokens of the secret, and fails
 * `unavailable` when it is not set (`feedTokensFor`). The marker is read at most once per returned object while it
 * answers (a failed read is tried again at the next failure, the token counting as a guess meanwhile).
 */
export function checkedTokens(secret: string | null, bucket: R2Bucket, logger: Logger): FeedTokens {
  let verdict: Promise<boolean> | null = null;
  const changed = (): Promise<boolean> =>
    (verdict ??= (async () => {
      const marker = await bucket.head(SECRET_MARKER_KEY);
      const recorded = marker?.customMetadata?.["fingerprint"];
      if (recorded === undefined) return false;
      const mismatch = recorded !== (await secretFingerprint(new TextEncoder().encode(secret!)));
      if (mismatch) logger.error("feed_secret_mismatch", { message: SECRET_CHANGED.message });
      return mismatch;
    })().catch(() => {
      verdict = null;
      return false;
    }));
  return {
    derive: async (subject) => (await feedTokensFor(secret)).derive(subject),
    hash: async (token) => (await feedTokensFor(secret)).hash(token),
    async isWellFormed(token) {
      if (await (await feedTokensFor(secret)).isWellFormed(token)) return true;
      if (await changed()) throw SECRET_CHANGED;
      return false;
    },
  };
}
