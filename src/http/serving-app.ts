/**
 * The part of the HTTP surface every serving thread answers itself: request ids, the request log and counters,
 * `/healthz`, the feed route, the subscribe page (`/subscribe/{token}`) and the pages' stylesheet. `createApp`
 * adds the admin API to it; a Node serving thread adds forwarding of admin requests to the main thread instead.
 */
import { Hono } from "hono";
import { classifyClient, type CalendarClient } from "../core/clients.ts";
import { ServiceError } from "../core/errors.ts";
import { loggablePath, redactTokens, tokenRoute, type Logger } from "../core/logger.ts";
import type { Metrics } from "../core/metrics.ts";
import type { FeedEntry } from "../core/serving/feed-entry.ts";
import type { FeedReader } from "../core/serving/feed-reader.ts";
import type { FeedTokens } from "../core/tokens.ts";
import type { Protection } from "../core/limits/protection.ts";
import type { PartnerReader } from "../core/partners/partner-reader.ts";
import { routeApp, json, type Route } from "./openapi-route.ts";
import { createPartnerRoutes } from "./partner-route.ts";
import { errorResponse, toServiceError } from "./errors.ts";
import { rawPath } from "./feed-answer.ts";
import { createFeedRoutes, type FeedRouteDeps } from "./feed-route.ts";
import { createStaticRoutes } from "./pages/static-routes.ts";
import { createSubscribeRoutes } from "./pages/subscribe-page.ts";
import type { SubscribeInfo } from "../core/serving/upcoming.ts";
import { zoneRulesInUse } from "../core/time/zone-offsets.ts";

/** Hono variables: set by a handler whose request is answered (and logged and counted) elsewhere. */
export type ServingEnv = { Variables: { forwarded: boolean } };

export interface ServingDeps {
  tokens: FeedTokens;
  /** Serving reads: the feed a token opens, and its body. */
  reader: Pick<FeedReader, "lookup" | "dead" | "body" | "cheap" | "tier">;
  logger: Logger;
  metrics: Metrics;
  /** Request ids for logs and the `X-Request-Id` header. */
  newId: () => string;
  /** Milliseconds since the epoch (the `Date` of feed answers). */
  clock: () => number;
  /** The base URL links are built on (`PUBLIC_URL`), for the subscribe page. */
  publicUrl: string;
  /** The subscribe page's facts for a live feed (names, next shifts). */
  subscribeInfo: (entry: FeedEntry) => Promise<SubscribeInfo | null>;
  /** How many organizations have published (for `/healthz`). */
  orgCount: () => number;
  /**
   * Told about every answered feed request and subscribe page (who polls what): `feed` is `org/feed key`, or
   * `null` when the request opened no feed; `tokenHash` names the token of a refusal that was not looked up.
   */
  recordFetch: (
    feed: string | null,
    client: CalendarClient,
    userAgent: string | null,
    status: number,
    tokenHash?: string,
  ) => void;
  /** Per-client limits and admission control (none: unlimited, as in most unit tests). */
  protection?: Protection;
  /** The partner API's reads (none: no partner routes). */
  partners?: PartnerReader;
  /** The refresh hint of iCalendar partner ranges, in seconds. Default 3,600. */
  refreshSeconds?: number;
  /** The request header a trusted proxy puts the client's address in (`CLIENT_IP_HEADER`); none: the peer. */
  clientIpHeader?: string | null;
}

/** What the feed route needs, from the serving deps (also Node's direct feed listener's). */
export function feedRouteDeps(deps: ServingDeps): FeedRouteDeps {
  const { logger, metrics } = deps;
  return {
    tokens: deps.tokens,
    source: {
      lookup: (token) => deps.reader.lookup(token),
      dead: (token) => deps.reader.dead(token),
      body: (entry, encoding) => deps.reader.body(entry, encoding),
      cheap: (entry, encoding) => deps.reader.cheap(entry, encoding),
      tier: (org) => deps.reader.tier(org),
      recordFetch: (entry: FeedEntry | null, info) => {
        countFeedRequest(metrics, info);
        const feed = entry ? feedKeyOf(entry) : null;
        deps.recordFetch(feed, info.client, info.userAgent, info.status, info.tokenHash);
      },
    },
    log: (event) => logger.warn(event.event, { tokenHash: event.tokenHash, error: String(event.error) }),
    clock: deps.clock,
    ...(deps.protection && { protection: deps.protection }),
    ...(deps.clientIpHeader && { clientIpHeader: deps.clientIpHeader }),
  };
}

/**
 * `org/kind/id` of an entry, made once per entry object: a reader that hands out the same entry for a feed polled
 * again (Node's shared validator index) gives the same string too, which the fetch log keys on without hashing a
 * new one per request.
 */
const feedKeys = new WeakMap<FeedEntry, string>();
function feedKeyOf(entry: FeedEntry): string {
  let key = feedKeys.get(entry);
  if (key === undefined) feedKeys.set(entry, (key = `${entry.org}/${entry.kind}/${entry.id}`));
  return key;
}

/** Per registry, client family and status: the counter of feed requests, made once (see `Metrics.counter`). */
const feedCounters = new WeakMap<Metrics, Map<CalendarClient, Map<number, () => void>>>();

/** Counts an answered feed request by client family and status (`/metrics`). */
export function countFeedRequest(metrics: Metrics, info: { client: CalendarClient; status: number }): void {
  let byClient = feedCounters.get(metrics);
  if (byClient === undefined) feedCounters.set(metrics, (byClient = new Map()));
  let byStatus = byClient.get(info.client);
  if (byStatus === undefined) byClient.set(info.client, (byStatus = new Map()));
  let count = byStatus.get(info.status);
  if (count === undefined) {
    const labels = { client: info.client, status: info.status };
    byStatus.set(
      info.status,
      (count = metrics.counter("shiftfeed_feed_requests_total", FEED_REQUESTS_HELP, labels)),
    );
  }
  count();
}
const FEED_REQUESTS_HELP = "Feed requests by client and status";

/** What every HTTP surface logs and counts with. */
export type ShellDeps = Pick<ServingDeps, "logger" | "metrics" | "newId">;

/**
 * A Hono app with what every HTTP surface of the service has around its routes: a request id, one log line and
 * one counter per request (feed paths never logged: they carry tokens), the JSON 404, and errors mapped to HTTP
 * in one place.
 * @param routes adds the routes.
 */
export function createHttpShell(deps: ShellDeps, routes: (app: Hono<ServingEnv>) => void): Hono<ServingEnv> {
  const { logger, metrics } = deps;
  const app = new Hono<ServingEnv>();

  app.use("*", async (c, next) => {
    const id = deps.newId();
    c.header("x-request-id", id);
    const started = performance.now();
    await next();
    if (c.get("forwarded")) return;
    // Classified leniently (`//feeds/…`, `/FEEDS/…`, `/%73ubscribe/…` are token routes too), so no token is logged.
    const raw = rawPath(c.req.url);
    const tokenBearing = tokenRoute(raw);
    const path = c.req.path;
    const route =
      tokenBearing === "feed"
        ? "feed"
        : path.startsWith("/admin")
          ? "admin"
          : path.startsWith("/partner/")
            ? "partner"
            : tokenBearing === "subscribe"
              ? "subscribe"
              : "other";
    metrics.inc("shiftfeed_http_requests_total", "HTTP requests answered", { route, status: c.res.status });
    if (route !== "feed" || c.res.status >= 500) {
      // Feed paths are never logged but on a 5xx; the feed route logs a token-hash prefix itself.
      logger.info("request", {
        requestId: id,
        method: c.req.method,
        path: loggablePath(raw),
        status: c.res.status,
        ms: Math.round(performance.now() - started),
        // What an expected failure was (a 408 says whether the body stalled or the client left); it may name what
        // the request sent, a pasted token among them.
        ...(c.error instanceof ServiceError && { error: redactTokens(c.error.message) }),
      });
    }
  });

  routes(app);

  app.notFound(() => errorResponse(new ServiceError("not_found", "No such resource.")));
  app.onError((error, c) => {
    const serviceError = toServiceError(error);
    if (serviceError.code === "internal") {
      logger.error("unhandled", {
        requestId: c.res.headers.get("x-request-id"),
        error: redactTokens(String(error)),
        stack: redactTokens(String((error as Error).stack)),
      });
    }
    return errorResponse(serviceError);
  });
  return app;
}

/** Liveness, plus the state of the limits: whether expensive work is being shed, and refusals so far. */
export const HEALTH_ROUTES: readonly Route<ServingDeps>[] = [
  {
    method: "get",
    path: "/healthz",
    summary: "Liveness",
    access: "public",
    answers: { 200: json("alive", "health") },
    handle: (c, deps) =>
      c.json({
        ok: true,
        orgs: deps.orgCount(),
        ...(deps.protection && { limits: deps.protection.status() }),
        tz: zoneRulesInUse(),
      }),
  },
];

/**
 * @param mount adds the routes the serving part does not answer (the admin API, or its forwarding).
 */
export function createServingApp(
  deps: ServingDeps,
  mount: (app: Hono<ServingEnv>) => void,
): Hono<ServingEnv> {
  return createHttpShell(deps, (app) => {
    app.route("/", routeApp(HEALTH_ROUTES, deps));
    app.route("/", createFeedRoutes(feedRouteDeps(deps)));
    if (deps.partners) {
      app.route(
        "/",
        createPartnerRoutes({
          partners: deps.partners,
          clock: deps.clock,
          refreshSeconds: deps.refreshSeconds ?? 3600,
          ...(deps.protection && { protection: deps.protection }),
          clientIpHeader: deps.clientIpHeader ?? null,
        }),
      );
    }
    app.route("/", createStaticRoutes());
    app.route(
      "/",
      createSubscribeRoutes({
        tokens: deps.tokens,
        lookup: (token) => deps.reader.lookup(token),
        dead: (token) => deps.reader.dead(token),
        info: deps.subscribeInfo,
        publicUrl: deps.publicUrl,
        protection: deps.protection,
        clientIpHeader: deps.clientIpHeader,
        record: ({ status, userAgent }) =>
          deps.recordFetch(null, classifyClient(userAgent), userAgent, status),
      }),
    );
    mount(app);
  });
}
