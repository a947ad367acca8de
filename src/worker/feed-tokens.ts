/**
 * Feed tokens under `FEED_SECRET`, made once per isolate: importing the HMAC key is asynchronous, and the token
 * operations keep a small cache of recently checked tokens (a speed-up only; nothing depends on it).
 */
import { ServiceError } from "../core/errors.ts";
import { createFeedTokens, type FeedTokens } from "../core/tokens.ts";

let made: { secret: string; tokens: Promise<FeedTokens> } | null = null;

/** The answer while `FEED_SECRET` is not set (or not valid): every route that needs it, a feed's or a page's. */
export const UNCONFIGURED = new ServiceError(
  "unavailable",
  "The service is not configured: `FEED_SECRET` is not set, or not valid.",
  [],
  {},
  { "retry-after": "60" },
);

/**
 * The token operations for a secret.
 * @throws ServiceError `unavailable` when no valid secret is set (the Worker fails closed).
 */
export function feedTokensFor(secret: string | null): Promise<FeedTokens> {
  if (secret === null) return Promise.reject(UNCONFIGURED);
  if (made?.secret !== secret) made = { secret, tokens: createFeedTokens(new TextEncoder().encode(secret)) };
  return made.tokens;
}
