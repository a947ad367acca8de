/**
 * `createApp(deps)`: the whole HTTP surface as one Hono app, the same on every runtime.
 * Feeds are public capability URLs; `/admin/*` and `/metrics` need the admin bearer secret; `/healthz` is open.
 */
import type { Hono } from "hono";
import type { Logger } from "../core/logger.ts";
import type { FeedReader } from "../core/serving/feed-reader.ts";
import type { FeedTokens } from "../core/tokens.ts";
import type { Protection } from "../core/limits/protection.ts";
import type { PartnerReader } from "../core/partners/partner-reader.ts";
import { telemetryMetrics } from "../core/traffic.ts";
import { createAdminRoutes, type AdminDeps } from "./admin-routes.ts";
import { requireAdmin } from "./auth.ts";
import { createServingApp, type ServingEnv } from "./serving-app.ts";
import { createOpenApiRoutes } from "./openapi.ts";
import { createPageRoutes } from "./pages/page-routes.ts";
import { isPublicAdminPath } from "./pages/static-routes.ts";
import { webCodec } from "../core/compress.ts";
import { subscribeInfo } from "../core/serving/upcoming.ts";

export interface AppDeps extends AdminDeps {
  tokens: FeedTokens;
  /** Serving reads: the feed a token opens, and its body. */
  reader: Pick<FeedReader, "lookup" | "dead" | "body" | "cheap" | "tier">;
  /** The admin bearer secret; `null` disables the admin API (it answers 503: fail closed). */
  adminToken: string | null;
  logger: Logger;
  /** Request ids for logs and the `X-Request-Id` header. */
  newId: () => string;
  /** Per-client limits and admission control (none: unlimited). */
  protection?: Protection;
  /** The partner API's reads (none: no partner routes). */
  partners?: PartnerReader;
  /** The refresh hint of iCalendar partner ranges, in seconds. */
  refreshSeconds?: number;
  /** The header a trusted proxy names the client in (`CLIENT_IP_HEADER`), or none. */
  clientIpHeader?: string | null;
}

/**
 * @example
 * const app = createApp(deps);
 * serve({ fetch: app.fetch, port: 8787 });
 */
export function createApp(deps: AppDeps): Hono<ServingEnv> {
  const { service, fetchLog, metrics } = deps;
  metrics.collect(() => telemetryMetrics(fetchLog));
  return createServingApp(
    {
      ...deps,
      clock: service.deps.clock,
      orgCount: () => service.orgIds().length,
      recordFetch: (feed, client, userAgent, status, tokenHash) =>
        fetchLog.record(feed, client, userAgent, status, undefined, tokenHash),
      subscribeInfo: (entry) => subscribeInfo(service.deps.sql, webCodec, entry, service.deps.clock()),
    },
    (app) => {
      const admin = requireAdmin(deps.adminToken);
      // The page shell, its script and the OpenAPI document need no token: the page asks for it.
      app.use("/admin/*", (c, next) => (isPublicAdminPath(c.req.path) ? next() : admin(c, next)));
      app.use("/metrics", admin);
      app.route("/", createPageRoutes());
      app.route("/", createOpenApiRoutes(deps.publicUrl));
      app.route("/", createAdminRoutes(deps));
    },
  );
}
