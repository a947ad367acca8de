/**
 * The admin API (docs/api.md › Admin API), behind bearer auth: publish, retire, look up, rotate, regenerate; for the
 * admin page and CLI: search, a schedule's people, a person's QR code, traffic; and `/metrics`. Each route is
 * defined once with its OpenAPI description (`openapi-route.ts`).
 */
import type { Context, Hono } from "hono";
import { ServiceError } from "../core/errors.ts";
import type { FetchLog } from "../core/fetch-log.ts";
import type { Metrics } from "../core/metrics.ts";
import type { FeedService } from "../core/publish/feed-service.ts";
import { personFeedKey, scheduleFeedKey } from "../core/store/keys.ts";
import type { Maintenance } from "../core/maintenance/maintenance.ts";
import { ID } from "../core/snapshot/field-checks.ts";
import { snapshotSchema } from "../core/snapshot/schema.ts";
import { personView, scheduleView } from "./admin-views.ts";
import { trafficView } from "../core/traffic.ts";
import { readJsonRequest } from "./json-request.ts";
import { json, NOT_FOUND, problem, routeApp, type Route } from "./openapi-route.ts";
import { createPartnerAdminRoutes } from "./partner-admin-routes.ts";
import { qrSvg } from "./qr-code.ts";
import { parseRegenerateScope, regenerateScopeSchema } from "./regenerate-scope.ts";

export interface AdminDeps {
  service: FeedService;
  /** Regeneration jobs: the in-process `Maintenance`, or a runtime's own with the same two calls. */
  maintenance: Pick<Maintenance, "regenerate" | "job">;
  fetchLog: FetchLog;
  /** What `/metrics` shows. */
  metrics: Metrics;
  publicUrl: string;
  /** Largest accepted snapshot body, in bytes. */
  maxSnapshotBytes: number;
  /** Longest wait for the next chunk of a request body, in ms; default 10 s (`BODY_IDLE_TIMEOUT_MS`). */
  bodyIdleTimeoutMs?: number;
  /** A new partner key's quota unless the request names one. Default 500, 3,600 / h. */
  partnerDefaults?: { burst: number; perHour: number };
  /** Random bytes for partner keys and their ids. Default Web Crypto's `getRandomValues`. */
  randomBytes?: (n: number) => Uint8Array;
  /**
   * Brings in what other threads have noted but not reported yet (counters, who-polls notes); the routes that read
   * them (`/metrics`, a person's last fetches, `/admin/traffic`) wait for it, no other. None: everything is noted
   * where it is read.
   */
  gatherReports?: () => Promise<void>;
}

/** Most people and most schedules a search answers. */
export const SEARCH_LIMIT = 20;
/** Longest search query read, in characters. */
export const MAX_QUERY = 200;

/** The path parameters `names`, each an id (else the resource does not exist). */
function ids<N extends string>(c: Context, ...names: N[]): Record<N, string> {
  const out = {} as Record<N, string>;
  for (const name of names) {
    const value = c.req.param(name);
    if (value === undefined || !ID.test(value)) throw new ServiceError("not_found", "No such resource.");
    out[name] = value;
  }
  return out;
}

const SCHEDULE = "/admin/orgs/{org}/schedules/{schedule}";
const PERSON = "/admin/orgs/{org}/people/{person}";

/** The fetch log with every thread's notes in: only the routes that read it wait for the other threads. */
async function fetches(deps: AdminDeps): Promise<FetchLog> {
  await deps.gatherReports?.();
  return deps.fetchLog;
}

/** The admin routes, in the order docs/api.md lists them. */
export const ADMIN_ROUTES: readonly Route<AdminDeps>[] = [
  {
    method: "put",
    path: SCHEDULE,
    summary: "Publish a snapshot of a schedule; the affected feeds are live when it answers",
    access: "admin",
    body: snapshotSchema,
    answers: {
      200: json("published (or an identical replay: `unchanged`)", "publishResult"),
      400: problem("not JSON"),
      409: problem("revision not above the live one (`currentRevision`)"),
      413: problem("over MAX_SNAPSHOT_BYTES"),
      415: problem("not `application/json`"),
      422: problem("breaks the snapshot rules: every problem with its JSON path"),
    },
    async handle(c, deps) {
      const { org, schedule } = ids(c, "org", "schedule");
      const body = await readJsonRequest(c.req.raw, {
        limit: deps.maxSnapshotBytes,
        idleTimeoutMs: deps.bodyIdleTimeoutMs,
      });
      // Parsed, validated and published where the service's runner runs units (a worker thread on Node).
      const result = await deps.service.publish(body, { org, schedule });
      // A runner that fans out in the background (Workers) answers with the job that makes the feeds live.
      if (result.job !== undefined) return c.json(result, 202, { location: `/admin/jobs/${result.job}` });
      return c.json(result);
    },
  },
  {
    method: "delete",
    path: SCHEDULE,
    summary: "Retire a schedule: its assignments leave every feed",
    access: "admin",
    answers: { 200: json("retired", "publishResult"), 404: NOT_FOUND },
    async handle(c, { service }) {
      const { org, schedule } = ids(c, "org", "schedule");
      return c.json(await service.retire(org, schedule));
    },
  },
  {
    method: "get",
    path: SCHEDULE,
    summary: "A schedule's revision, head count and schedule feed link",
    access: "admin",
    answers: { 200: json("the schedule", "scheduleView"), 404: NOT_FOUND },
    async handle(c, { service, publicUrl }) {
      const { org, schedule } = ids(c, "org", "schedule");
      return c.json(await scheduleView(service, publicUrl, org, schedule));
    },
  },
  {
    method: "post",
    path: `${SCHEDULE}/rotate`,
    summary: "A new link for the schedule feed; the old one is dead from this moment",
    access: "admin",
    answers: { 200: json("the schedule, with the new link", "scheduleView"), 404: NOT_FOUND },
    async handle(c, { service, publicUrl }) {
      const { org, schedule } = ids(c, "org", "schedule");
      await service.rotate(org, scheduleFeedKey(schedule));
      return c.json(await scheduleView(service, publicUrl, org, schedule));
    },
  },
  {
    method: "get",
    path: `${SCHEDULE}/people`,
    summary: "The people a schedule lists",
    access: "admin",
    answers: { 200: json("the people, by id", "schedulePeople"), 404: NOT_FOUND },
    handle(c, { service }) {
      const { org, schedule } = ids(c, "org", "schedule");
      const row = service.schedule(org, schedule);
      if (!row || row.retired)
        throw new ServiceError("not_found", `no live schedule \`${schedule}\` in \`${org}\``);
      return c.json({ people: service.schedulePeople(org, schedule) });
    },
  },
  {
    method: "get",
    path: PERSON,
    summary: "A person's feed links, validators and last fetch per client family",
    access: "admin",
    answers: { 200: json("the person", "personView"), 404: NOT_FOUND },
    async handle(c, deps) {
      const { org, person } = ids(c, "org", "person");
      return c.json(await personView(deps.service, await fetches(deps), deps.publicUrl, org, person));
    },
  },
  {
    method: "post",
    path: `${PERSON}/rotate`,
    summary: "A new feed link; the old one (and its subscribe page) is dead from this moment",
    access: "admin",
    answers: { 200: json("the person, with the new link", "personView"), 404: NOT_FOUND },
    async handle(c, deps) {
      const { org, person } = ids(c, "org", "person");
      await deps.service.rotate(org, personFeedKey(person));
      return c.json(await personView(deps.service, await fetches(deps), deps.publicUrl, org, person));
    },
  },
  {
    method: "get",
    path: `${PERSON}/qr.svg`,
    summary: "A QR code of the person's subscribe page",
    access: "admin",
    answers: { 200: { description: "SVG", type: "image/svg+xml" }, 404: NOT_FOUND },
    async handle(c, { service, fetchLog, publicUrl }) {
      const { org, person } = ids(c, "org", "person");
      const view = await personView(service, fetchLog, publicUrl, org, person);
      return c.body(await qrSvg(view.feed.subscribeUrl), 200, {
        "content-type": "image/svg+xml; charset=utf-8",
        "cache-control": "no-store",
      });
    },
  },
  {
    method: "get",
    path: "/admin/search",
    summary: "People and schedules whose names or ids hold every word of `q` (case and accents ignored)",
    access: "admin",
    query: { q: "the words to look for" },
    answers: { 200: json("at most 20 people and 20 schedules, by name", "searchResult") },
    handle(c, { service }) {
      const q = (c.req.query("q") ?? "").slice(0, MAX_QUERY);
      return c.json(service.search(q, SEARCH_LIMIT));
    },
  },
  {
    method: "get",
    path: "/admin/traffic",
    summary:
      "Feed requests per minute over the last hour; per recent window the 304 share, 429/503 counts and busiest clients",
    access: "admin",
    answers: { 200: json("the traffic view", "traffic") },
    handle: async (c, deps) => c.json(trafficView(await fetches(deps), deps.service.deps.clock())),
  },
  {
    method: "post",
    path: "/admin/regenerate",
    summary: "Re-render a scope in the background (an empty body: everything)",
    access: "admin",
    body: regenerateScopeSchema,
    answers: {
      202: json("queued (`Location: /admin/jobs/{id}`)", "jobAccepted"),
      400: problem("not a valid scope"),
      404: NOT_FOUND,
      503: problem("16 jobs queued or running (`Retry-After`)"),
    },
    async handle(c, deps) {
      const body = await readJsonRequest(c.req.raw, {
        limit: 64 * 1024,
        emptyAllowed: true,
        idleTimeoutMs: deps.bodyIdleTimeoutMs,
      });
      const job = deps.maintenance.regenerate(parseRegenerateScope(body));
      return c.json({ job }, 202, { location: `/admin/jobs/${job.id}` });
    },
  },
  {
    method: "get",
    path: "/admin/jobs/{id}",
    summary: "A regeneration's progress",
    access: "admin",
    answers: { 200: json("the job", "job"), 404: NOT_FOUND },
    handle(c, { maintenance }) {
      const job = maintenance.job(c.req.param("id") ?? "");
      if (!job) throw new ServiceError("not_found", "No such job.");
      return c.json(job);
    },
  },
  {
    method: "get",
    path: "/metrics",
    summary: "Prometheus text: requests, feed fetches by client family and status",
    access: "admin",
    answers: { 200: { description: "Prometheus text format 0.0.4", type: "text/plain" } },
    async handle(c, { metrics, gatherReports }) {
      await gatherReports?.();
      return c.text(metrics.render(), 200, { "content-type": "text/plain; version=0.0.4" });
    },
  },
];

/** The admin routes and the partner-key routes, to mount behind `requireAdmin`. */
export function createAdminRoutes(deps: AdminDeps): Hono {
  const app = routeApp(ADMIN_ROUTES, deps);
  app.route(
    "/",
    createPartnerAdminRoutes({
      service: deps.service,
      partnerDefaults: deps.partnerDefaults ?? { burst: 500, perHour: 3600 },
      randomBytes: deps.randomBytes ?? ((n) => crypto.getRandomValues(new Uint8Array(n))),
      ...(deps.bodyIdleTimeoutMs !== undefined && { bodyIdleTimeoutMs: deps.bodyIdleTimeoutMs }),
    }),
  );
  return app;
}
