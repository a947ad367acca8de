/**
 * `GET`/`HEAD /feeds/{token}.ics`: serves precomputed, gzip-stored feed bodies with conditional GET, as one
 * runtime-neutral function from the request's few relevant parts to the answer. The Hono route (`feed-route.ts`)
 * and Node's direct listener for feed paths (`src/node/feed-listener.ts`) both call it: one rule, one place.
 *
 * Order of work per request, cheapest first, so hostile traffic never reaches storage (the token part is
 * `token-gate.ts`, shared with the subscribe page): method → exact path shape and token checksum (HMAC, no I/O;
 * a failure is a miss, taken from the miss budget only and answered with no lookup) → per-address budget (shared
 * memory, no I/O) → the token's budget for this address → lookup by token → validators (304 needs no body) →
 * admission of expensive body work (bodies in memory and small inline reads need none) → body read → encoding. A token that opens nothing is looked up once
 * more among the dead links (rotated links, links of feeds that went): a dead link is counted against no one; only
 * a token never issued counts as a miss, and the miss budget refuses only further misses. Every "no feed here"
 * answer — never issued, rotated or gone — is the same 404, bytes and headers; every limit refusal is a `429` with
 * a jittered `Retry-After`, every shed read a `503` with one.
 */
import { classifyClient } from "../core/clients.ts";
import { sha256Hex } from "../core/digest.ts";
import { ServiceError } from "../core/errors.ts";
import { servedLastModified } from "../core/publish/feed-bytes.ts";
import type { FeedBody, FeedEntry } from "../core/serving/feed-entry.ts";
import { jitteredSeconds, type Protection } from "../core/limits/protection.ts";
import type { Tier } from "../core/snapshot/types.ts";
import type { FeedTokens } from "../core/tokens.ts";
import { formatHttpDate, isNotModified } from "./conditional.ts";
import { gateToken, type TokenLookup } from "./token-gate.ts";
import { chooseEncoding, type FeedEncoding } from "./encoding.ts";
import { errorBody } from "./errors.ts";

/** Where feeds come from: the token lookup the gate makes ({@link TokenLookup}), then bodies and bookkeeping. */
export interface FeedSource extends TokenLookup {
  /**
   * An entry's body in the chosen coding (`gzip` as stored, or `identity`, decompressed); the source caches.
   * Throws when storage is unavailable or the stored bytes are corrupt; null if the blob vanished.
   */
  body(entry: FeedEntry, encoding: FeedEncoding): Promise<FeedBody | null>;
  /**
   * Optional: whether `body` would answer without expensive work (from memory, or an inline read and small
   * decompression). Default false: every body read is admitted as expensive work.
   */
  cheap?(entry: FeedEntry, encoding: FeedEncoding): boolean;
  /** Optional: an organization's tier, for admission under load. Default `standard`. */
  tier?(org: string): Tier;
  /** Optional: told about every answered feed request (for admin "last fetch" and metrics). Must not throw. */
  recordFetch?(entry: FeedEntry | null, info: FetchInfo): void;
}

/** What is told about an answered request besides its feed. */
export interface FetchInfo {
  userAgent: string | null;
  status: number;
  client: ReturnType<typeof classifyClient>;
  /**
   * SHA-256 of the token of a request refused before its lookup (a `429`), so the refusal can be put down to its
   * feed later, off the request path (the fetch log resolves it when it writes its batch).
   */
  tokenHash?: string;
}

/** One structured log event; carries a token-hash prefix, never a token. */
export interface FeedLogEvent {
  event: "feed_unavailable";
  /** First 12 hex characters of SHA-256(token). */
  tokenHash: string;
  /** The storage error as `name: message`, with any occurrence of the token replaced by `[token]`. */
  error: string;
}

export interface FeedRouteDeps {
  tokens: FeedTokens;
  source: FeedSource;
  /** Uniform [0, 1) source for the jittered Retry-After on 503. Default `Math.random`. */
  random?: () => number;
  /** Optional structured logger for storage failures. Default: none. */
  log?: (event: FeedLogEvent) => void;
  /**
   * Milliseconds since the epoch, for the `Date` of feed answers: the same clock the service stamps
   * `Last-Modified` with, so `Last-Modified` is never later than `Date` (RFC 9110 §8.8.2.1). Default `Date.now`.
   */
  clock?: () => number;
  /** Per-client limits and admission control; none: every request is served. */
  protection?: Protection;
  /** The header a trusted proxy names the client in (lower case); none: the socket peer is the client. */
  clientIpHeader?: string;
}

/** What of a request the feed answer reads. Header values as received, `null` when absent. */
export interface FeedRequest {
  method: string;
  /** The request path exactly as sent (percent-escapes intact), without query or fragment. */
  rawPath: string;
  ifNoneMatch: string | null;
  ifModifiedSince: string | null;
  acceptEncoding: string | null;
  userAgent: string | null;
  /** The client's address (the socket peer, or a trusted proxy's header), `null` when unknown. */
  client?: string | null;
}

/** The answer: status, headers, and a body (bytes, a stream of known length, JSON text) or none. */
export interface FeedAnswer {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array | ReadableStream<Uint8Array> | string | null;
}

/** `/feeds/` + 24 base64url characters + lower-case `.ics`, matched on the raw (undecoded) request path. */
export const FEED_PATH = /^\/feeds\/([A-Za-z0-9_-]{24})\.ics$/;
/** Retry-After on 503, in whole seconds: uniform in [min, max] so retrying clients spread out. */
const RETRY_AFTER_MIN_S = 5;
const RETRY_AFTER_MAX_S = 35;

const RATE_LIMITED = new ServiceError(
  "rate_limited",
  "Too many requests from this client. Please retry after the time in Retry-After.",
);
const BUSY = new ServiceError(
  "unavailable",
  "The service is busy. Please retry after the time in Retry-After.",
);

const NOT_FOUND = new ServiceError("not_found", "No calendar feed at this address.");
const METHOD_NOT_ALLOWED = new ServiceError(
  "method_not_allowed",
  "Calendar feeds are read-only: use GET or HEAD.",
);
const UNAVAILABLE = new ServiceError(
  "unavailable",
  "The calendar feed is temporarily unavailable. Please try again shortly.",
);

/** The same error answer every time, built once; `retryAfter` (seconds) adds the one header that varies. */
function fixed(error: ServiceError, extra: Record<string, string> = {}): (retryAfter?: number) => FeedAnswer {
  const { status, headers, body } = errorBody(error, extra);
  return (retryAfter) => ({
    status,
    headers: retryAfter === undefined ? { ...headers } : { ...headers, "Retry-After": String(retryAfter) },
    body,
  });
}
const notFound = fixed(NOT_FOUND);
const methodNotAllowed = fixed(METHOD_NOT_ALLOWED, { Allow: "GET, HEAD" });
/** The `429` of a feed request over a per-client budget, with its `Retry-After` (seconds). */
export const rateLimited = fixed(RATE_LIMITED);
const busy = fixed(BUSY);
const storageUnavailable = fixed(UNAVAILABLE);

/** The `Date` header value for a second, formatted once per second. */
let dateSecond = -1;
let dateValue = "";
function httpDateOf(seconds: number): string {
  if (seconds !== dateSecond) {
    dateSecond = seconds;
    dateValue = formatHttpDate(seconds);
  }
  return dateValue;
}

/**
 * `Last-Modified` values, formatted once per value: feeds keep theirs across many polls, and formatting a date
 * costs more than the rest of a `304`'s headers. Bounded: started afresh past 100,000 values.
 */
const lastModifiedTexts = new Map<number, string>();
function lastModifiedText(seconds: number): string {
  let text = lastModifiedTexts.get(seconds);
  if (text === undefined) {
    if (lastModifiedTexts.size >= 100_000) lastModifiedTexts.clear();
    lastModifiedTexts.set(seconds, (text = formatHttpDate(seconds)));
  }
  return text;
}

/**
 * Answers one feed request.
 * @example
 * const answer = await answerFeed(deps, { method: "GET", rawPath: "/feeds/….ics", ifNoneMatch: null, … });
 */
export async function answerFeed(deps: FeedRouteDeps, req: FeedRequest): Promise<FeedAnswer> {
  const { tokens, source } = deps;
  const recorded = (entry: FeedEntry | null, answer: FeedAnswer, tokenHash?: string): FeedAnswer => {
    if (source.recordFetch) {
      try {
        source.recordFetch(entry, {
          userAgent: req.userAgent,
          status: answer.status,
          client: classifyClient(req.userAgent),
          ...(tokenHash !== undefined && { tokenHash }),
        });
      } catch {
        // Documented as must-not-throw; a metrics bug still must not fail a calendar poll.
      }
    }
    return answer;
  };
  const unavailable = async (entry: FeedEntry | null, token: string, error: unknown): Promise<FeedAnswer> => {
    if (deps.log) {
      const tokenHash = (await sha256Hex(token)).slice(0, 12);
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      deps.log({ event: "feed_unavailable", tokenHash, error: text.replaceAll(token, "[token]") });
    }
    const seconds = jitteredSeconds(RETRY_AFTER_MIN_S, RETRY_AFTER_MAX_S, deps.random ?? Math.random);
    return recorded(entry, storageUnavailable(seconds));
  };
  const limited = (retryAfter: number, tokenHash?: string): FeedAnswer =>
    recorded(null, rateLimited(retryAfter), tokenHash);

  // Checked before the path so a 405 reveals nothing about whether a token exists. RFC 9110 §15.5.6: "The
  // origin server MUST generate an Allow header field in a 405 response".
  const method = req.method;
  if (method !== "GET" && method !== "HEAD") return recorded(null, methodNotAllowed());
  const gate = await gateToken(
    { tokens, protection: deps.protection, source },
    req.client ?? null,
    FEED_PATH.exec(req.rawPath)?.[1],
  );
  if (gate.kind === "refused") return limited(gate.retryAfter, gate.tokenHash);
  if (gate.kind === "missing") return recorded(null, notFound());
  if (gate.kind === "dead") return recorded(null, notFound());
  if (gate.kind === "unavailable") return unavailable(null, gate.token, gate.error);
  const { token, entry } = gate;
  const guard = deps.protection;

  const nowSeconds = Math.floor((deps.clock ?? Date.now)() / 1000);
  const modified = servedLastModified(entry, nowSeconds);
  const headers: Record<string, string> = {
    Date: httpDateOf(nowSeconds),
    ETag: entry.etag,
    "Last-Modified": lastModifiedText(modified.lastModified),
    "Cache-Control": "private, no-cache",
    // On every 200 and 304, whichever coding was chosen, so shared caches key on Accept-Encoding.
    Vary: "Accept-Encoding",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
    "X-Content-Type-Options": "nosniff",
  };
  const current = { etag: entry.etag, ...modified };
  // RFC 9110 §15.4.5: a 304 carries the validators and caching fields a 200 would have, and no content.
  if (isNotModified({ ifNoneMatch: req.ifNoneMatch, ifModifiedSince: req.ifModifiedSince }, current)) {
    return recorded(entry, { status: 304, headers, body: null });
  }

  const encoding = chooseEncoding(req.acceptEncoding);
  // A body that takes expensive work (a decompression off the thread, a streamed big feed): admitted by tier, or
  // shed. Bodies from memory and small inline reads cost about what the request does and are never shed.
  let release: (() => void) | null = null;
  if (guard && !(source.cheap?.(entry, encoding) ?? false)) {
    release = guard.admit(source.tier?.(entry.org) ?? "standard");
    if (release === null) {
      return recorded(entry, busy(guard.shedRetryAfter()));
    }
  }
  let bytes: FeedBody | null;
  try {
    bytes = await source.body(entry, encoding);
    if (bytes === null) throw new Error("feed body missing from store");
  } catch (error) {
    // A vanished or corrupt body is a storage fault, never an empty calendar and never a 404.
    return unavailable(entry, token, error);
  } finally {
    release?.();
  }
  headers["Content-Type"] = "text/calendar; charset=utf-8";
  headers["Content-Length"] = String(bytes instanceof Uint8Array ? bytes.byteLength : bytes.length);
  if (encoding === "gzip") headers["Content-Encoding"] = "gzip";
  // RFC 9110 §9.3.2: "The server SHOULD send the same header fields in response to a HEAD request as it would
  // have sent if the request method had been GET", Content-Length included.
  if (method === "HEAD" && !(bytes instanceof Uint8Array)) await bytes.stream.cancel();
  const body = method === "HEAD" ? null : bytes instanceof Uint8Array ? bytes : bytes.stream;
  return recorded(entry, { status: 200, headers, body });
}

/** The request path exactly as sent (percent-escapes intact), without query or fragment. */
export function rawPath(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  const end = url.slice(start).search(/[?#]/);
  return end < 0 ? url.slice(start) : url.slice(start, start + end);
}
