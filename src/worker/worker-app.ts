/**
 * The Worker's HTTP surface, built once per isolate: feed paths answered at the edge from R2 (`edge-feeds.ts`),
 * each answer noted for the fetch telemetry (`edge-telemetry.ts`); everything else by a Hono app with the
 * service's request log, counters and error mapping — `/healthz` (its R2 check cached per isolate, `health.ts`),
 * `/metrics`, the pages and the admin API. The admin page, its scripts, the stylesheet and the OpenAPI document
 * are the very routes Node mounts (`http/pages/*`, `openapi.ts`). The subscribe page is Node's route too: its
 * token is looked up in the feed's R2 object (one `head`: the metadata names the organization), and the
 * organization's Durable Object says what the page shows. The admin API is authenticated here and answered by
 * the organization's Durable Object (the organization comes from the path, or from a job id, which names it); a
 * search, the traffic view and `/metrics` ask every organization. Partner keys and ranges: `partner-edge.ts`.
 *
 * Fails closed: without a valid `FEED_SECRET` every feed request answers 503 (never 404: the feed may exist);
 * without a valid `ADMIN_TOKEN` every admin route answers 503 (`requireAdmin`); under another `FEED_SECRET` than
 * the links were made with, their feeds and pages answer 503 too (`secret-marker.ts`).
 */
import type { Hono } from "hono";
import { classifyClient } from "../core/clients.ts";
import { ServiceError } from "../core/errors.ts";
import { Metrics, type MetricFamily } from "../core/metrics.ts";
import { ID } from "../core/snapshot/field-checks.ts";
import { exposeZoneRulesMetric, zoneRulesInUse } from "../core/time/zone-offsets.ts";
import { ADMIN_ROUTES, MAX_QUERY, SEARCH_LIMIT } from "../http/admin-routes.ts";
import { mergeTelemetryMetrics, mergeTraffic } from "../core/traffic.ts";
import { requireAdmin } from "../http/auth.ts";
import { errorResponse } from "../http/errors.ts";
import { rawPath } from "../http/feed-answer.ts";
import { readJsonRequest } from "../http/json-request.ts";
import { honoPath } from "../http/openapi-route.ts";
import { createOpenApiRoutes } from "../http/openapi.ts";
import { createPageRoutes } from "../http/pages/page-routes.ts";
import { createStaticRoutes, isPublicAdminPath } from "../http/pages/static-routes.ts";
import { createSubscribeRoutes } from "../http/pages/subscribe-page.ts";
import { refuseDeclaredOverLimit } from "../http/read-body.ts";
import { parseRegenerateScope } from "../http/regenerate-scope.ts";
import { countFeedRequest, createHttpShell, type ServingEnv } from "../http/serving-app.ts";
import type { FeedTokens } from "../core/tokens.ts";
import { createPageReads, serveEdgeFeed } from "./edge-feeds.ts";
import { EdgeTelemetry, type EdgeTelemetryDeps } from "./edge-telemetry.ts";
import { EdgeLimits } from "./edge-limits.ts";
import { workerSettings, type WorkerEnv, type WorkerSettings } from "./env.ts";
import { createHealthCheck } from "./health.ts";
import { UNCONFIGURED } from "./feed-tokens.ts";
import { workerLogger } from "./logger.ts";
import { checkedTokens, SECRET_CHANGED } from "./secret-marker.ts";
import { orgOfJob } from "./org-parts.ts";
import { createPartnerEdgeRoutes } from "./partner-edge.ts";
import { BACKUP_ROUTES } from "./backup-routes.ts";
import { searchEverywhere } from "./org-search.ts";
import { ORG_PARALLEL } from "./in-parallel.ts";
import { askEveryOrg, askOrg, orgStub } from "./org-calls.ts";
import { isWideJob, regenerateEverywhere, wideJob } from "./wide-jobs.ts";

/**
 * A request to a Worker: what it answers with. `ctx` keeps the fetch telemetry's batch sends alive after the
 * answer (`edge-telemetry.ts`); without it a feed request leaves its data point only.
 */
export type WorkerFetch = (request: Request, ctx?: Pick<ExecutionContext, "waitUntil">) => Promise<Response>;

/** Asks every registered organization's object, {@link ORG_PARALLEL} at a time; the answers in order. */
const everyOrg = <T>(env: WorkerEnv, ask: (org: ReturnType<typeof orgStub>) => Promise<T>): Promise<T[]> =>
  askEveryOrg(env, ORG_PARALLEL, ask);

function organization(org: string | undefined | null): string {
  if (!org || !ID.test(org)) throw new ServiceError("not_found", "No such resource.");
  return org;
}

/** The admin routes of one organization (`/admin/orgs/{org}/…`): the Worker forwards each to its Durable Object. */
export const ORG_ADMIN_ROUTES = ADMIN_ROUTES.filter((route) => route.path.startsWith("/admin/orgs/{org}/"));

/**
 * The pages, as Node serves them: the admin page and its scripts, the OpenAPI document (made on its first request,
 * not at every isolate start), the stylesheet and the subscribe page.
 */
function mountPages(
  app: Hono<ServingEnv>,
  env: WorkerEnv,
  settings: WorkerSettings,
  edge: { limits: EdgeLimits; telemetry: EdgeTelemetry; tokens: FeedTokens },
): void {
  const { limits, telemetry, tokens } = edge;
  const reads = createPageReads(env.FEEDS, tokens);
  app.route("/", createStaticRoutes());
  app.route(
    "/",
    createSubscribeRoutes({
      tokens,
      lookup: (token, request) => reads.lookup(token, request),
      // The budgets of the feed the page belongs to, as the feed route's (`edge-limits.ts`), from the same one
      // `head` the lookup then reads the organization from.
      edgeGate: (request, token) => limits.gate(request, reads.standing(request), tokens, token),
      info: (entry) => askOrg(env, entry.org, (org) => org.subscribeInfo(entry), false),
      // Counted as Node counts a page: a request that opened no feed, in its organization's traffic when live.
      record: ({ status, userAgent, entry, waitUntil }) =>
        telemetry.recordPage(
          entry?.org ?? null,
          { status, userAgent, client: classifyClient(userAgent) },
          waitUntil,
        ),
      publicUrl: settings.publicUrl,
    }),
  );
  app.route("/", createPageRoutes());
  let openApi: Hono | null = null;
  app.get("/admin/openapi.json", (c) =>
    (openApi ??= createOpenApiRoutes(settings.publicUrl)).fetch(c.req.raw),
  );
}

/** Admin routes: authenticated here, answered by the organization's Durable Object. */
function mountAdmin(app: Hono<ServingEnv>, env: WorkerEnv, settings: WorkerSettings, metrics: Metrics): void {
  const admin = requireAdmin(settings.adminToken);
  // The page shell, its scripts and the OpenAPI document need no token: the page asks for it.
  app.use("/admin/*", (c, next) => (isPublicAdminPath(c.req.path) ? next() : admin(c, next)));
  app.use("/metrics", admin);
  // This isolate's counters, and the lasting fetch counts of every organization's object, added up.
  let lasting: MetricFamily[] = [];
  metrics.collect(() => lasting);
  app.get("/metrics", async (c) => {
    lasting = mergeTelemetryMetrics(await everyOrg(env, (org) => org.telemetryMetrics()));
    return c.text(metrics.render(), 200, { "content-type": "text/plain; version=0.0.4" });
  });

  // Node's routes of one organization, and the Workers-only backup and restore routes (`backup-routes.ts`).
  for (const route of [...ORG_ADMIN_ROUTES, ...BACKUP_ROUTES]) {
    app.on(route.method.toUpperCase(), honoPath(route.path), (c) => {
      const org = organization(c.req.param("org"));
      // A body declared over the limit is refused here, unread (see `forwardBody`).
      refuseDeclaredOverLimit(c.req.raw, settings.maxSnapshotBytes);
      return askOrg(env, org, (object) => object.fetch(c.req.raw));
    });
  }

  app.get("/admin/search", async (c) => {
    const q = (c.req.query("q") ?? "").slice(0, MAX_QUERY);
    return c.json(await searchEverywhere(env, q, SEARCH_LIMIT));
  });

  app.post("/admin/regenerate", async (c) => {
    const body = await readJsonRequest(c.req.raw, { limit: 64 * 1024, emptyAllowed: true });
    const scope = parseRegenerateScope(body);
    if (scope.org !== undefined) {
      // The organization's Durable Object reads the same body again, with the same rules.
      const headers = new Headers(c.req.raw.headers);
      headers.delete("content-length");
      const forwarded = new Request(c.req.url, {
        method: "POST",
        headers,
        body: body.length > 0 ? body : null,
      });
      return askOrg(env, organization(scope.org), (object) => object.fetch(forwarded));
    }
    if (scope.schedule !== undefined || scope.person !== undefined) {
      throw new ServiceError("bad_request", "`org` is required with `schedule` or `person`", [
        { path: "$.org", message: "required when `schedule` or `person` is given" },
      ]);
    }
    const job = await regenerateEverywhere(env, scope);
    return c.json({ job }, 202, { location: `/admin/jobs/${job.id}` });
  });

  // Each organization's object keeps its own fetch telemetry: the view is theirs added up.
  app.get("/admin/traffic", async (c) => {
    return c.json(mergeTraffic(await everyOrg(env, (org) => org.traffic()), Date.now()));
  });

  app.get("/admin/jobs/:id", async (c) => {
    const id = c.req.param("id");
    if (isWideJob(id)) {
      const job = await wideJob(env, id);
      if (job === null) throw new ServiceError("not_found", "No such job.");
      return c.json(job);
    }
    return askOrg(env, organization(orgOfJob(id)), (object) => object.fetch(c.req.raw));
  });
}

/**
 * The Worker's request handler for an environment.
 * @param telemetryOptions the fetch telemetry's batch bounds (defaults: `FETCH_BATCH_MS`, `FETCH_BATCH_NOTES`) and
 * clock (default `Date.now`).
 * @example export default { fetch: (request, env) => workerFetch(env)(request) };
 */
export function createWorkerFetch(
  env: WorkerEnv,
  telemetryOptions: Partial<Pick<EdgeTelemetryDeps, "batchMs" | "batchNotes" | "clock">> = {},
): WorkerFetch {
  return createWorker(env, telemetryOptions).fetch;
}

/**
 * The Worker's request handler and the Hono app behind it (what it registers: `test/worker/workerd/routes.test.ts`
 * compares it with Node's routes). Feed paths are answered before the app, from R2.
 */
export function createWorker(
  env: WorkerEnv,
  telemetryOptions: Partial<Pick<EdgeTelemetryDeps, "batchMs" | "batchNotes" | "clock">> = {},
): { app: Hono<ServingEnv>; fetch: WorkerFetch } {
  const settings = workerSettings(env);
  const metrics = new Metrics();
  exposeZoneRulesMetric(metrics);
  const logger = workerLogger;
  const newId = crypto.randomUUID.bind(crypto);
  const checkHealth = createHealthCheck(env.FEEDS, Date.now, () =>
    metrics.inc("shiftfeed_healthz_storage_checks_total", "R2 checks made to answer /healthz"),
  );
  const limits = new EdgeLimits(env, settings.sharedFetcherRanges);
  // Feed tokens for the feeds and the pages: a link made under another secret is a 503, not a guess.
  const tokens = checkedTokens(settings.feedSecret, env.FEEDS, logger);
  const telemetry = new EdgeTelemetry({
    analytics: env.FEED_ANALYTICS,
    deliver: (org, notes) => orgStub(env, org).recordFetches(notes),
    clock: Date.now,
    lost: (org, notes, error) => logger.warn("fetch_notes_lost", { org, notes, error: String(error) }),
    ...telemetryOptions,
  });
  const app = createHttpShell({ logger, metrics, newId }, (app) => {
    app.get("/healthz", async (c) => {
      const health = await checkHealth();
      // The tz data as Node's `/healthz` shows it (workerd names no release: see `zone-rules-recheck.ts`).
      const answer = { ...health, tz: zoneRulesInUse() };
      return health.ok ? c.json(answer) : c.json(answer, 503, { "retry-after": "60" });
    });
    mountPages(app, env, settings, { limits, telemetry, tokens });
    mountAdmin(app, env, settings, metrics);
    // Partner keys (behind the admin check above) and ranges (`partner-edge.ts`).
    const partners = createPartnerEdgeRoutes({ env, limits, partnerDefaults: settings.partnerDefaults });
    app.route("/", partners.admin);
    app.route("/", partners.ranges);
  });
  const fetch: WorkerFetch = async (request, ctx) => {
    // Only the exact `/feeds/` prefix is a feed path (odd spellings get the app's 404), as on Node.
    if (!rawPath(request.url).startsWith("/feeds/"))
      return app.fetch(request, undefined, ctx as ExecutionContext);
    if (settings.feedSecret === null) return errorResponse(UNCONFIGURED);
    const answer = serveEdgeFeed(request, env.FEEDS, {
      tokens,
      limits,
      clock: Date.now,
      log: (event) => logger.warn(event.event, { tokenHash: event.tokenHash, error: event.error }),
      recordFetch: (entry, info) => {
        countFeedRequest(metrics, info);
        telemetry.record(entry, info, ctx && ((work) => ctx.waitUntil(work)));
      },
    });
    // A link made under another secret (`secret-marker.ts`): unavailable, never the 404 of a guess.
    return answer.catch((error: unknown) => {
      if (error !== SECRET_CHANGED) throw error;
      return errorResponse(SECRET_CHANGED);
    });
  };
  return { app, fetch };
}
