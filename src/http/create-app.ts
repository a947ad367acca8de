/**
 * `createApp(deps)`: the whole HTTP surface as one Hono app, the same on every runtime.
 * Feeds are public capability URLs; `/admin/*` and `/metrics` need the admin bearer secret; `/healthz` is open.
 */
import { Hono } from "hono";
import { redactTokens, type Logger } from "../core/logger.ts";
import type { Metrics } from "../core/metrics.ts";
import type { FeedReader } from "../core/publish/feed-reader.ts";
import type { FeedTokens } from "../core/tokens.ts";
import { createAdminRoutes, type AdminDeps } from "./admin-routes.ts";
import { requireAdmin } from "./auth.ts";
import { errorResponse, toServiceError } from "./errors.ts";
import { createFeedRoutes } from "./feed-route.ts";
import { ServiceError } from "../core/errors.ts";

export interface AppDeps extends AdminDeps {
  tokens: FeedTokens;
  /** Serving reads: the feed a token opens, and its body. */
  reader: Pick<FeedReader, "lookup" | "body">;
  /** The admin bearer secret; `null` disables the admin API (it answers 503: fail closed). */
  adminToken: string | null;
  logger: Logger;
  metrics: Metrics;
  /** Request ids for logs and the `X-Request-Id` header. */
  newId: () => string;
}

/**
 * @example
 * const app = createApp(deps);
 * serve({ fetch: app.fetch, port: 8787 });
 */
export function createApp(deps: AppDeps): Hono {
  const { service, fetchLog, logger, metrics } = deps;
  const app = new Hono();

  app.use("*", async (c, next) => {
    const id = deps.newId();
    c.header("x-request-id", id);
    const started = performance.now();
    await next();
    // Classified leniently (`//feeds/…`, `/FEEDS/…` are feed-like too), so no token-bearing path is logged.
    const path = c.req.path;
    const route = /\/feeds\//i.test(path) ? "feed" : path.startsWith("/admin/") ? "admin" : "other";
    metrics.inc("shiftfeed_http_requests_total", "HTTP requests answered", { route, status: c.res.status });
    if (route !== "feed" || c.res.status >= 500) {
      // Feed paths are never logged: they carry tokens. The feed route logs a token-hash prefix itself.
      logger.info("request", {
        requestId: id,
        method: c.req.method,
        path: route === "feed" ? "/feeds/…" : redactTokens(path),
        status: c.res.status,
        ms: Math.round(performance.now() - started),
        // What an expected failure was (a 408 says whether the body stalled or the client left).
        ...(c.error instanceof ServiceError && { error: c.error.message }),
      });
    }
  });

  app.get("/healthz", (c) => c.json({ ok: true, orgs: service.orgIds().length }));

  app.route(
    "/",
    createFeedRoutes({
      tokens: deps.tokens,
      source: {
        lookup: (token) => deps.reader.lookup(token),
        body: (entry, encoding) => deps.reader.body(entry, encoding),
        recordFetch: (entry, info) => {
          metrics.inc("shiftfeed_feed_requests_total", "Feed requests by client and status", {
            client: info.client,
            status: info.status,
          });
          if (entry)
            fetchLog.record(
              `${entry.org}/${entry.kind}/${entry.id}`,
              info.client,
              info.userAgent,
              info.status,
            );
        },
      },
      log: (event) => logger.warn(event.event, { tokenHash: event.tokenHash, error: String(event.error) }),
      clock: service.deps.clock,
    }),
  );

  const admin = requireAdmin(deps.adminToken);
  app.use("/admin/*", admin);
  app.use("/metrics", admin);
  app.get("/metrics", (c) => c.text(metrics.render(), 200, { "content-type": "text/plain; version=0.0.4" }));
  app.route("/", createAdminRoutes(deps));

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
