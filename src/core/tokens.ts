/**
 * Feed tokens: derived from a server secret with HMAC-SHA256, never stored.
 *
 * token = base64url(body16 ‖ check2), exactly 24 characters (18 bytes, so no padding bits):
 * - body16 = HMAC(secret, "shiftfeed/feed/v1\0" kind "\0" org "\0" id "\0" version)[0..16] — 128 bits that only
 *   the secret holder can produce, so a leaked data store (which holds only SHA-256(token)) yields no usable link,
 *   while an admin can always re-derive a person's current link; bumping `version` rotates it.
 * - check2 = HMAC(secret, "shiftfeed/check/v1\0" ‖ body16)[0..2] — a keyed checksum that lets the HTTP edge turn
 *   away typos and random guesses (all but 1 in 65,536) before any storage access.
 */

import { LRUCache } from "lru-cache";
import { equalBytes, fromBase64Url, sha256Hex, toBase64Url } from "./digest.ts";

/** What a feed token names: one person's or one schedule's feed, at one link version. */
export interface TokenSubject {
  kind: "person" | "schedule";
  org: string;
  id: string;
  /** Link version, a non-negative integer; incrementing it rotates the link. */
  version: number;
}

export interface FeedTokens {
  /** The token for a subject: same subject and secret, same token. */
  derive(subject: TokenSubject): Promise<string>;
  /** Cheap pre-check before any storage access: length 24, base64url alphabet, checksum (constant-time compare). */
  isWellFormed(token: string): Promise<boolean>;
  /** Hex SHA-256 of a token: the only form in which tokens are stored or indexed. */
  hash(token: string): Promise<string>;
}

/** Length of every feed token in characters. */
export const TOKEN_LENGTH = 24;
/** Minimum server secret length in bytes. */
export const MIN_SECRET_BYTES = 32;

/** How many recently seen well-formed tokens keep their checksum verdict and hash in memory. */
const RECENT_TOKENS = 50_000;
const BODY_BYTES = 16;
const CHECK_BYTES = 2;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{24}$/;
const encoder = new TextEncoder();
const CHECK_PREFIX = encoder.encode("shiftfeed/check/v1\0");

/**
 * HMAC-SHA256 and SHA-256, as a runtime gives them: Web Crypto by default (asynchronous, on every runtime); Node
 * passes its synchronous `node:crypto` (`src/node/node-codec.ts`), which a feed request's hot path prefers.
 */
export interface TokenCrypto {
  /** A keyed MAC function for `secret`. */
  hmacKey(secret: Uint8Array): Promise<(data: Uint8Array) => Uint8Array | Promise<Uint8Array>>;
  /** Lower-case hex SHA-256 of a string's UTF-8 bytes. */
  sha256Hex(text: string): string | Promise<string>;
}

/** Web Crypto's HMAC and SHA-256. */
export const webTokenCrypto: TokenCrypto = {
  async hmacKey(secret) {
    const key = await crypto.subtle.importKey(
      "raw",
      secret.slice() as Uint8Array<ArrayBuffer>,
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    return async (data) =>
      new Uint8Array(await crypto.subtle.sign("HMAC", key, data as Uint8Array<ArrayBuffer>));
  },
  sha256Hex: (text) => sha256Hex(text),
};

/**
 * Imports the HMAC key once and returns the token operations.
 * @param secret the server secret bytes (`FEED_SECRET`), at least 32 bytes.
 * @param primitives the runtime's HMAC and SHA-256 (default Web Crypto).
 * @param known whether a token hash is one the store holds (live or dead): such a token was derived with this
 *   secret (a start under another secret is refused), so its checksum is not computed again. Default: none.
 * @throws TypeError naming `FEED_SECRET` when the secret is too short.
 * @example
 * const tokens = await createFeedTokens(secretBytes);
 * const token = await tokens.derive({ kind: "person", org: "stmarys", id: "p1001", version: 1 });
 */
export async function createFeedTokens(
  secret: Uint8Array,
  primitives: TokenCrypto = webTokenCrypto,
  known?: (hash: string) => boolean,
): Promise<FeedTokens> {
  if (!(secret instanceof Uint8Array) || secret.byteLength < MIN_SECRET_BYTES) {
    throw new TypeError(`\`FEED_SECRET\` must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  const hmac = await primitives.hmacKey(secret);
  const mac = async (data: Uint8Array, bytes: number): Promise<Uint8Array> =>
    (await hmac(data)).subarray(0, bytes);

  const checksum = (body: Uint8Array): Promise<Uint8Array> => {
    const data = new Uint8Array(CHECK_PREFIX.length + body.length);
    data.set(CHECK_PREFIX);
    data.set(body, CHECK_PREFIX.length);
    return mac(data, CHECK_BYTES);
  };

  // Tokens that passed the checksum recently, with their hash: a calendar polls the same URL all day, and
  // Web Crypto calls are asynchronous (a thread-pool round trip on Node), so the hot path skips them.
  const recent = new LRUCache<string, string>({ max: RECENT_TOKENS });
  // A token the store knows skips `recent`: its hash is all its check costs, and with the store's index in memory
  // an LRU of a part of the tokens is pure upkeep when polls cycle through more feeds than it holds. The request's
  // next call, `hash`, finds it here (another request in between only costs a second hashing).
  let knownToken: string | null = null;
  let knownHash = "";

  return {
    async derive(subject) {
      assertSubject(subject);
      const { kind, org, id, version } = subject;
      const body = await mac(
        encoder.encode(`shiftfeed/feed/v1\0${kind}\0${org}\0${id}\0${version}`),
        BODY_BYTES,
      );
      const token = new Uint8Array(BODY_BYTES + CHECK_BYTES);
      token.set(body);
      token.set(await checksum(body), BODY_BYTES);
      return toBase64Url(token);
    },
    async isWellFormed(token) {
      if (typeof token !== "string" || !TOKEN_SHAPE.test(token)) return false;
      const hash = known ? await primitives.sha256Hex(token) : null;
      if (hash !== null && known!(hash)) {
        knownToken = token;
        knownHash = hash;
        return true;
      }
      if (recent.has(token)) return true;
      const bytes = fromBase64Url(token);
      if (bytes === null || bytes.length !== BODY_BYTES + CHECK_BYTES) return false;
      const expected = await checksum(bytes.subarray(0, BODY_BYTES));
      if (!equalBytes(expected, bytes.subarray(BODY_BYTES))) return false;
      recent.set(token, hash ?? (await primitives.sha256Hex(token)));
      return true;
    },
    async hash(token) {
      if (token === knownToken) return knownHash;
      return recent.get(token) ?? primitives.sha256Hex(token);
    },
  };
}

/** The `\0`-separated message is unambiguous only if no field holds a `\0`; ids are validated upstream too. */
function assertSubject(subject: TokenSubject): void {
  if (subject.kind !== "person" && subject.kind !== "schedule") {
    throw new TypeError(`token subject \`kind\` must be "person" or "schedule"`);
  }
  for (const field of ["org", "id"] as const) {
    const value = subject[field];
    if (typeof value !== "string" || value.length === 0 || value.includes("\0")) {
      throw new TypeError(`token subject \`${field}\` must be a non-empty string without NUL`);
    }
  }
  if (!Number.isSafeInteger(subject.version) || subject.version < 0) {
    throw new TypeError("token subject `version` must be a non-negative integer");
  }
}
