/**
 * `GET`/`HEAD /feeds/{token}.ics`: serves precomputed, gzip-stored feed bodies with conditional GET.
 *
 * Order of work per request, cheapest first, so hostile traffic never reaches storage:
 * method → exact path shape → token checksum (HMAC, no I/O) → lookup by token → validators (304 needs no body)
 * → body read → encoding. Every "no feed here" answer is the same 404, bytes and headers.
 */

import { Hono } from "hono";
import type { Context } from "hono";
import { sha256Hex } from "../core/digest.ts";
import { ServiceError } from "../core/errors.ts";
import { classifyClient } from "../core/clients.ts";
import type { FeedBody, FeedEntry } from "../core/publish/feed-entry.ts";
import type { FeedTokens } from "../core/tokens.ts";
import { servedLastModified } from "../core/publish/feed-bytes.ts";
import { formatHttpDate, isNotModified } from "./conditional.ts";
import { chooseEncoding, type FeedEncoding } from "./encoding.ts";
import { errorResponse } from "./errors.ts";

export interface FeedSource {
  /** The live entry for a token that already passed `isWellFormed`, or null. Throws when storage is unavailable. */
  lookup(token: string): Promise<FeedEntry | null>;
  /**
   * An entry's body in the chosen coding (`gzip` as stored, or `identity`, decompressed); the source caches.
   * Throws when storage is unavailable or the stored bytes are corrupt; null if the blob vanished.
   */
  body(entry: FeedEntry, encoding: FeedEncoding): Promise<FeedBody | null>;
  /** Optional: told about every answered feed request (for admin "last fetch" and metrics). Must not throw. */
  recordFetch?(
    entry: FeedEntry | null,
    info: { userAgent: string | null; status: number; client: ReturnType<typeof classifyClient> },
  ): void;
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
}

/** `/feeds/` + 24 base64url characters + lower-case `.ics`, matched on the raw (undecoded) request path. */
const FEED_PATH = /^\/feeds\/([A-Za-z0-9_-]{24})\.ics$/;
/** Retry-After on 503, in whole seconds: uniform in [min, max] so retrying clients spread out. */
const RETRY_AFTER_MIN_S = 5;
const RETRY_AFTER_MAX_S = 35;

const NOT_FOUND = new ServiceError("not_found", "No calendar feed at this address.");
const METHOD_NOT_ALLOWED = new ServiceError(
  "method_not_allowed",
  "Calendar feeds are read-only: use GET or HEAD.",
);
const UNAVAILABLE = new ServiceError(
  "unavailable",
  "The calendar feed is temporarily unavailable. Please try again shortly.",
);

/**
 * Routes for `/feeds/*`, to mount with `app.route("/", createFeedRoutes(deps))`.
 * @example
 * const app = new Hono();
 * app.route("/", createFeedRoutes({ tokens, source }));
 */
export function createFeedRoutes(deps: FeedRouteDeps): Hono {
  const { tokens, source } = deps;
  const random = deps.random ?? Math.random;
  const clock = deps.clock ?? Date.now;
  const app = new Hono();

  const answer = (c: Context, entry: FeedEntry | null, res: Response): Response => {
    if (source.recordFetch) {
      const userAgent = c.req.header("user-agent") ?? null;
      try {
        source.recordFetch(entry, { userAgent, status: res.status, client: classifyClient(userAgent) });
      } catch {
        // Documented as must-not-throw; a metrics bug still must not fail a calendar poll.
      }
    }
    return res;
  };

  const unavailable = async (c: Context, entry: FeedEntry | null, token: string, error: unknown) => {
    if (deps.log) {
      const tokenHash = (await sha256Hex(token)).slice(0, 12);
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      deps.log({ event: "feed_unavailable", tokenHash, error: text.replaceAll(token, "[token]") });
    }
    const spread = RETRY_AFTER_MAX_S - RETRY_AFTER_MIN_S + 1;
    const seconds = Math.min(
      RETRY_AFTER_MAX_S,
      RETRY_AFTER_MIN_S + Math.floor(Math.max(0, random()) * spread),
    );
    return answer(c, entry, errorResponse(UNAVAILABLE, { "Retry-After": String(seconds) }));
  };

  app.all("/feeds/*", async (c) => {
    const method = c.req.method;
    // Checked before the path so a 405 reveals nothing about whether a token exists. RFC 9110 §15.5.6: "The
    // origin server MUST generate an Allow header field in a 405 response".
    if (method !== "GET" && method !== "HEAD") {
      return answer(c, null, errorResponse(METHOD_NOT_ALLOWED, { Allow: "GET, HEAD" }));
    }
    const token = FEED_PATH.exec(rawPath(c.req.url))?.[1];
    if (token === undefined || !(await tokens.isWellFormed(token))) return answer(c, null, notFound());

    let entry: FeedEntry | null;
    try {
      entry = await source.lookup(token);
    } catch (error) {
      return unavailable(c, null, token, error);
    }
    if (entry === null) return answer(c, null, notFound());

    const nowSeconds = Math.floor(clock() / 1000);
    const modified = servedLastModified(entry, nowSeconds);
    const validators = {
      Date: formatHttpDate(nowSeconds),
      ETag: entry.etag,
      "Last-Modified": formatHttpDate(modified.lastModified),
      "Cache-Control": "private, no-cache",
      // On every 200 and 304, whichever coding was chosen, so shared caches key on Accept-Encoding.
      Vary: "Accept-Encoding",
      "Referrer-Policy": "no-referrer",
      "X-Robots-Tag": "noindex",
      "X-Content-Type-Options": "nosniff",
    };
    const notModified = isNotModified(
      {
        ifNoneMatch: c.req.header("if-none-match") ?? null,
        ifModifiedSince: c.req.header("if-modified-since") ?? null,
      },
      { etag: entry.etag, ...modified },
    );
    // RFC 9110 §15.4.5: a 304 carries the validators and caching fields a 200 would have, and no content.
    if (notModified) return answer(c, entry, new Response(null, { status: 304, headers: validators }));

    const encoding = chooseEncoding(c.req.header("accept-encoding") ?? null);
    let bytes: FeedBody | null;
    try {
      bytes = await source.body(entry, encoding);
      if (bytes === null) throw new Error("feed body missing from store");
    } catch (error) {
      // A vanished or corrupt body is a storage fault, never an empty calendar and never a 404.
      return unavailable(c, entry, token, error);
    }
    const headers: Record<string, string> = {
      ...validators,
      "Content-Type": "text/calendar; charset=utf-8",
      "Content-Length": String(bytes instanceof Uint8Array ? bytes.byteLength : bytes.length),
    };
    if (encoding === "gzip") headers["Content-Encoding"] = "gzip";
    // RFC 9110 §9.3.2: "The server SHOULD send the same header fields in response to a HEAD request as it would
    // have sent if the request method had been GET", Content-Length included.
    if (method === "HEAD" && !(bytes instanceof Uint8Array)) await bytes.stream.cancel();
    const body =
      method === "HEAD"
        ? null
        : bytes instanceof Uint8Array
          ? (bytes as Uint8Array<ArrayBuffer>)
          : bytes.stream;
    return answer(c, entry, new Response(body, { status: 200, headers }));
  });

  return app;
}

/** The request path exactly as sent (percent-escapes intact), without query or fragment. */
function rawPath(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  const end = url.slice(start).search(/[?#]/);
  return end < 0 ? url.slice(start) : url.slice(start, start + end);
}

/** One 404 for every "no feed here": malformed path, bad checksum, unknown or rotated token. */
function notFound(): Response {
  return errorResponse(NOT_FOUND);
}
