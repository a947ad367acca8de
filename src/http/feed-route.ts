/**
 * The feed route as a Hono app: `GET`/`HEAD /feeds/{token}.ics` answered by `answerFeed` (`feed-answer.ts`).
 */
import type { Hono } from "hono";
import { answerFeed, rawPath, type FeedAnswer, type FeedRouteDeps } from "./feed-answer.ts";
import { problem, routeApp, type Route } from "./openapi-route.ts";
import { requestClient } from "./token-gate.ts";

export type { FeedLogEvent, FeedRouteDeps, FeedSource } from "./feed-answer.ts";

/**
 * The init of a feed answer's `Response`. A gzip body is already encoded: `encodeBody: "manual"` tells workerd to
 * send it as it is (by default a runtime that sees `Content-Encoding: gzip` compresses the body a second time);
 * Node's `Response` ignores the field. https://developers.cloudflare.com/workers/runtime-apis/response/
 */
export function feedResponseInit(answer: FeedAnswer): ResponseInit & { encodeBody: "manual" } {
  return { status: answer.status, headers: answer.headers, encodeBody: "manual" };
}

/** The feed route. */
export const FEED_ROUTES: readonly Route<FeedRouteDeps>[] = [
  {
    method: "get",
    path: "/feeds/{token}.ics",
    // Every method and every `/feeds/` path reach `answerFeed`, which reads the raw path and answers the rest.
    match: { method: "ALL", path: "/feeds/*" },
    summary: "A calendar feed (also HEAD); conditional GET with ETag / Last-Modified",
    access: "capability",
    answers: {
      200: { description: "the feed", type: "text/calendar" },
      304: { description: "not modified" },
      404: problem("unknown, rotated or malformed token, or the link of a feed that went"),
      429: problem(
        "over a per-client budget: the address's, this link's for this address, or misses (`Retry-After`)",
      ),
      503: problem("storage unavailable (`Retry-After`)"),
    },
    async handle(c, deps) {
      const answer = await answerFeed(deps, {
        method: c.req.method,
        rawPath: rawPath(c.req.url),
        ifNoneMatch: c.req.header("if-none-match") ?? null,
        ifModifiedSince: c.req.header("if-modified-since") ?? null,
        acceptEncoding: c.req.header("accept-encoding") ?? null,
        userAgent: c.req.header("user-agent") ?? null,
        client: requestClient(
          deps.protection,
          peerOf(c.env),
          deps.clientIpHeader ? (c.req.header(deps.clientIpHeader) ?? null) : null,
        ),
      });
      const body = answer.body instanceof Uint8Array ? (answer.body as Uint8Array<ArrayBuffer>) : answer.body;
      return new Response(body, feedResponseInit(answer));
    },
  },
];

/**
 * Routes for `/feeds/*`, to mount with `app.route("/", createFeedRoutes(deps))`.
 * @example
 * const app = new Hono();
 * app.route("/", createFeedRoutes({ tokens, source }));
 */
export function createFeedRoutes(deps: FeedRouteDeps): Hono {
  return routeApp(FEED_ROUTES, deps);
}

/** The socket peer's address where the runtime tells it (`@hono/node-server` puts the request in `env.incoming`). */
export function peerOf(env: unknown): string | null {
  const incoming = (env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? null;
}
