/**
 * Feed requests at the edge: `answerFeed` (the same function Node serves feeds with) over R2, where each live token
 * has one object — the gzip body, with the validators in its metadata (`edge-sync.ts` writes them). A request
 * costs at most **one** R2 read (`get`: validators and body together), no rendering and no write: a `304` and a
 * `HEAD` leave the body unread (workerd drops it with the request), a gzip `200` streams the stored bytes as they are, an identity `200` streams them
 * through a `DecompressionStream`, with its `Content-Length` known from the metadata.
 *
 * The client's own `Accept-Encoding` is read from `request.cf.clientAcceptEncoding`: Cloudflare rewrites the
 * header a Worker sees (https://developers.cloudflare.com/workers/runtime-apis/request/#incomingrequestcfproperties),
 * so the header itself would say every client takes gzip, Google's importer included.
 */
import type { FeedBody, FeedEntry } from "../core/serving/feed-entry.ts";
import { parseFeedKey, type FeedKey } from "../core/store/keys.ts";
import type { FeedTokens } from "../core/tokens.ts";
import { answerFeed, rawPath, type FeedRouteDeps, type FeedSource } from "../http/feed-answer.ts";
import { feedResponseInit } from "../http/feed-route.ts";
import { edgeKey, type EdgeMetadata } from "./edge-sync.ts";

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

/**
 * The live entry of a token from its edge object's metadata alone (`head`: one R2 read, no body), or `null` when
 * the token opens nothing: what the subscribe page needs to find the feed's organization.
 */
export async function edgeEntry(
  bucket: R2Bucket,
  tokens: FeedTokens,
  token: string,
): Promise<FeedEntry | null> {
  const object = await bucket.head(edgeKey(await tokens.hash(token)));
  if (object === null) return null;
  const entry = entryOf(object.customMetadata ?? {});
  if (entry === null) throw new Error("the edge object of a feed has no validators");
  return entry;
}

/**
 * A feed source for one request: `lookup` reads the token's object (the one R2 read), `body` hands out its
 * stream once.
 */
export function createEdgeSource(bucket: R2Bucket, tokens: FeedTokens): FeedSource {
  let object: R2ObjectBody | null = null;
  let taken = false;
  return {
    async lookup(token) {
      object = await bucket.get(edgeKey(await tokens.hash(token)));
      if (object === null) return null;
      const entry = entryOf(object.customMetadata ?? {});
      if (entry === null) throw new Error("the edge object of a feed has no validators");
      return entry;
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

/**
 * Answers a feed request from R2 with the runtime's `Response`, gzip bodies sent as stored.
 * @param deps the feed route's dependencies, without the source (one is made per request).
 */
export async function serveEdgeFeed(
  request: Request,
  bucket: R2Bucket,
  deps: Omit<FeedRouteDeps, "source"> & Pick<FeedSource, "recordFetch">,
): Promise<Response> {
  const source = createEdgeSource(bucket, deps.tokens);
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
