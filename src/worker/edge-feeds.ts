/**
 * Feed requests at the edge: `answerFeed` (the same function Node serves feeds with) over R2, where each live token
 * has one object — the gzip body, with the validators in its metadata (`edge-sync.ts` writes them). A request
 * costs at most **one** R2 read (`get`: validators and body together), no rendering and no write: a `304` and a
 * `HEAD` leave the body unread (workerd drops it with the request), a gzip `200` streams the stored bytes as they are, an identity `200` streams them
 * through a `DecompressionStream`, with its `Content-Length` known from the metadata. A dead link's object is a
 * dead marker (empty, its kind in the metadata): the same plain `404` as a token never issued, known as dead from
 * that same one read.
 *
 * The client's own `Accept-Encoding` is read from `request.cf.clientAcceptEncoding`: Cloudflare rewrites the
 * header a Worker sees (https://developers.cloudflare.com/workers/runtime-apis/request/#incomingrequestcfproperties),
 * so the header itself would say every client takes gzip, Google's importer included.
 */
import { classifyClient } from "../core/clients.ts";
import type { FeedBody, FeedEntry } from "../core/serving/feed-entry.ts";
import { parseFeedKey, type FeedKey } from "../core/store/keys.ts";
import type { FeedTokens } from "../core/tokens.ts";
import {
  answerFeed,
  rateLimited,
  rawPath,
  type FeedRouteDeps,
  type FeedSource,
} from "../http/feed-answer.ts";
import { feedResponseInit } from "../http/feed-route.ts";
import type { DeadLink } from "../core/store/dead-links-table.ts";
import type { EdgeLimits, EdgeRefusal, TokenStanding } from "./edge-limits.ts";
import { edgeKey, type DeadMarker, type EdgeMetadata } from "./edge-sync.ts";

/** The entry of an R2 object's metadata, or `null` when the metadata is not a feed's (a foreign object). */
function entryOf(meta: Partial<EdgeMetadata>): FeedEntry | null {
  if (!meta.org || !meta.feed || !meta.etag || !meta.lastModified || !meta.size) return null;
  const { kind, id } = parseFeedKey(meta.feed as FeedKey);
  const entry: FeedEntry = {
    kind,
    org: meta.org,
    id,
    bodyKey: meta.feed,
    identityKey: null,
    etag: meta.etag,
    lastModified: Number(meta.lastModified),
    size: Number(meta.size),
    events: Number(meta.events ?? 0),
  };
  if (meta.lastModifiedShared === "1") entry.lastModifiedShared = true;
  return entry;
}

/** A feed source for one request that can also say where a token stands before the feed is answered. */
export interface EdgeSource extends FeedSource, TokenStanding {}

/** The kind of a dead marker (`edge-sync.ts`), or `null` when the object is none. */
function deadOf(object: R2Object | null): DeadLink | null {
  const dead = (object?.customMetadata as Partial<DeadMarker> | undefined)?.dead;
  return dead === "rotated" || dead === "retired" ? dead : null;
}

/** The live entry of an edge object's metadata, or `null` when it opens nothing (none, or a dead marker). */
function liveEntryOf(object: R2Object | null): FeedEntry | null {
  if (object === null || deadOf(object) !== null) return null;
  const entry = entryOf(object.customMetadata ?? {});
  if (entry === null) throw new Error("the edge object of a feed has no validators");
  return entry;
}

/**
 * The subscribe page's reads of a token's edge object, by its metadata alone (`head`, no body): where the token
 * stands (for the page's limits) and then its live entry (to find the organization) from **one** read per page
 * request. The read the limits make is kept for that request only (a `WeakMap` keyed by the request: workerd
 * refuses to let one request await I/O another request started), and goes with it.
 */
export function createPageReads(bucket: R2Bucket, tokens: FeedTokens) {
  const made = new WeakMap<Request, { token: string; object: Promise<R2Object | null> }>();
  const read = async (token: string) => bucket.head(edgeKey(await tokens.hash(token)));
  return {
    /** Where a token stands, for this request's limits; the read is kept for its lookup. */
    standing(request: Request): TokenStanding {
      return {
        async state(token) {
          const object = read(token);
          made.set(request, { token, object });
          const found = await object;
          return found === null ? "none" : deadOf(found) === null ? "live" : "dead";
        },
      };
    },
    /** The token's live entry: from the read this request's limits made, or a read of its own. */
    async lookup(token: string, request: Request): Promise<FeedEntry | null> {
      const earlier = made.get(request);
      made.delete(request);
      return liveEntryOf(await (earlier?.token === token ? earlier.object : read(token)));
    },
  };
}

/**
 * A feed source for one request: the token's object is read once (the one R2 read) and `state`, `lookup` and
 * `dead` all answer from it; `body` hands out its stream once.
 */
export function createEdgeSource(bucket: R2Bucket, tokens: FeedTokens): EdgeSource {
  let read: { token: string; object: Promise<R2ObjectBody | null> } | null = null;
  let object: R2ObjectBody | null = null;
  let taken = false;
  const objectOf = (token: string): Promise<R2ObjectBody | null> => {
    if (read?.token !== token) {
      read = { token, object: tokens.hash(token).then((hash) => bucket.get(edgeKey(hash))) };
    }
    return read.object;
  };
  return {
    async state(token) {
      const found = await objectOf(token);
      return found === null ? "none" : deadOf(found) === null ? "live" : "dead";
    },
    async lookup(token) {
      const found = await objectOf(token);
      const entry = liveEntryOf(found);
      if (entry !== null) object = found;
      return entry;
    },
    async dead(token) {
      return deadOf(await objectOf(token));
    },
    async body(entry, encoding): Promise<FeedBody | null> {
      if (object === null || taken) return null;
      taken = true;
      if (encoding === "gzip") return { stream: object.body, length: object.size };
      // FixedLengthStream: the decompressed stream goes out with the Content-Length the metadata gives.
      const identity = object.body
        .pipeThrough(new DecompressionStream("gzip"))
        .pipeThrough(new FixedLengthStream(entry.size));
      return { stream: identity, length: entry.size };
    },
  };
}

/** The client's `Accept-Encoding` as sent, or `null` when it sent none (see the module comment). */
export function clientAcceptEncoding(request: Request): string | null {
  const cf = (request as { cf?: { clientAcceptEncoding?: unknown } }).cf;
  if (typeof cf?.clientAcceptEncoding === "string") return cf.clientAcceptEncoding || null;
  return request.headers.get("accept-encoding");
}

/** The `429` of a refused feed request, told to `recordFetch` like any answer (with the token's hash, if live). */
function refusedResponse(
  request: Request,
  { retryAfter, tokenHash }: EdgeRefusal,
  recordFetch: FeedSource["recordFetch"],
): Response {
  const userAgent = request.headers.get("user-agent");
  try {
    recordFetch?.(null, {
      userAgent,
      status: 429,
      client: classifyClient(userAgent),
      ...(tokenHash && { tokenHash }),
    });
  } catch {
    // Documented as must-not-throw; a metrics bug still must not fail a calendar poll.
  }
  const answer = rateLimited(retryAfter);
  return new Response(answer.body as string, feedResponseInit(answer));
}

/**
 * Answers a feed request from R2 with the runtime's `Response`, gzip bodies sent as stored.
 * @param deps the feed route's dependencies, without the source (one is made per request), and the edge's
 * per-client limits (none: every request is served).
 */
export async function serveEdgeFeed(
  request: Request,
  bucket: R2Bucket,
  deps: Omit<FeedRouteDeps, "source"> & Pick<FeedSource, "recordFetch"> & { limits?: EdgeLimits },
): Promise<Response> {
  const source = createEdgeSource(bucket, deps.tokens);
  // The limits read through the same source: a request still costs at most its one R2 read.
  const refused = await deps.limits?.gate(request, source, deps.tokens);
  if (refused) return refusedResponse(request, refused, deps.recordFetch);
  const answer = await answerFeed(
    { ...deps, source: { ...source, recordFetch: deps.recordFetch } },
    {
      method: request.method,
      rawPath: rawPath(request.url),
      ifNoneMatch: request.headers.get("if-none-match"),
      ifModifiedSince: request.headers.get("if-modified-since"),
      acceptEncoding: clientAcceptEncoding(request),
      userAgent: request.headers.get("user-agent"),
    },
  );
  const body = answer.body instanceof Uint8Array ? (answer.body as Uint8Array<ArrayBuffer>) : answer.body;
  return new Response(body, feedResponseInit(answer));
}
