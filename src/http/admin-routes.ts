/**
 * The admin API (README › Admin API), behind bearer auth: publish, retire, look up, rotate, regenerate; and
 * for the admin page and CLI: search, a schedule's people, a person's QR code, traffic. Every route here is in the
 * OpenAPI document (`openapi.ts`; a test holds the two together).
 */
import { Hono } from "hono";
import { ServiceError } from "../core/errors.ts";
import type { FetchLog } from "../core/fetch-log.ts";
import type { FeedService } from "../core/publish/feed-service.ts";
import { personFeedKey, scheduleFeedKey } from "../core/store/keys.ts";
import type { Maintenance } from "../core/maintenance/maintenance.ts";
import { ID } from "../core/snapshot/field-checks.ts";
import { personView, scheduleView } from "./admin-views.ts";
import { trafficView } from "../core/traffic.ts";
import { readJsonRequest } from "./json-request.ts";
import { createPartnerAdminRoutes } from "./partner-admin-routes.ts";
import { qrSvg } from "./qr-code.ts";
import { parseRegenerateScope } from "./regenerate-scope.ts";

export interface AdminDeps {
  service: FeedService;
  /** Regeneration jobs: the in-process `Maintenance`, or a runtime's own with the same two calls. */
  maintenance: Pick<Maintenance, "regenerate" | "job">;
  fetchLog: FetchLog;
  publicUrl: string;
  /** Largest accepted snapshot body, in bytes. */
  maxSnapshotBytes: number;
  /** Longest wait for the next chunk of a request body, in ms; default 10 s (`BODY_IDLE_TIMEOUT_MS`). */
  bodyIdleTimeoutMs?: number;
  /** A new partner key's quota unless the request names one. Default 500, 3,600 / h. */
  partnerDefaults?: { burst: number; perHour: number };
  /** Random bytes for partner keys and their ids. Default Web Crypto's `getRandomValues`. */
  randomBytes?: (n: number) => Uint8Array;
}

/** Most people and most schedules a search answers. */
const SEARCH_LIMIT = 20;
/** Longest search query read, in characters. */
const MAX_QUERY = 200;

function ids(...values: string[]): void {
  for (const v of values) if (!ID.test(v)) throw new ServiceError("not_found", "No such resource.");
}

/** The admin routes, to mount behind `requireAdmin`. */
export function createAdminRoutes(deps: AdminDeps): Hono {
  const { service, maintenance, fetchLog, publicUrl } = deps;
  const app = new Hono();

  app.put("/admin/orgs/:org/schedules/:schedule", async (c) => {
    const { org, schedule } = c.req.param();
    ids(org, schedule);
    const body = await readJsonRequest(c.req.raw, {
      limit: deps.maxSnapshotBytes,
      idleTimeoutMs: deps.bodyIdleTimeoutMs,
    });
    // Parsed, validated and published where the service's runner runs units (a worker thread on Node).
    const result = await service.publish(body, { org, schedule });
    // A runner that fans out in the background (Workers) answers with the job that makes the feeds live.
    if (result.job !== undefined) return c.json(result, 202, { location: `/admin/jobs/${result.job}` });
    return c.json(result);
  });

  app.delete("/admin/orgs/:org/schedules/:schedule", async (c) => {
    const { org, schedule } = c.req.param();
    ids(org, schedule);
    return c.json(await service.retire(org, schedule));
  });

  app.get("/admin/orgs/:org/schedules/:schedule", async (c) => {
    const { org, schedule } = c.req.param();
    ids(org, schedule);
    return c.json(await scheduleView(service, publicUrl, org, schedule));
  });

  app.post("/admin/orgs/:org/schedules/:schedule/rotate", async (c) => {
    const { org, schedule } = c.req.param();
    ids(org, schedule);
    await service.rotate(org, scheduleFeedKey(schedule));
    return c.json(await scheduleView(service, publicUrl, org, schedule));
  });

  app.get("/admin/orgs/:org/people/:person", async (c) => {
    const { org, person } = c.req.param();
    ids(org, person);
    return c.json(await personView(service, fetchLog, publicUrl, org, person));
  });

  app.post("/admin/orgs/:org/people/:person/rotate", async (c) => {
    const { org, person } = c.req.param();
    ids(org, person);
    await service.rotate(org, personFeedKey(person));
    return c.json(await personView(service, fetchLog, publicUrl, org, person));
  });

  app.get("/admin/orgs/:org/schedules/:schedule/people", (c) => {
    const { org, schedule } = c.req.param();
    ids(org, schedule);
    const row = service.schedule(org, schedule);
    if (!row || row.retired)
      throw new ServiceError("not_found", `no live schedule \`${schedule}\` in \`${org}\``);
    return c.json({ people: service.schedulePeople(org, schedule) });
  });

  app.get("/admin/orgs/:org/people/:person/qr.svg", async (c) => {
    const { org, person } = c.req.param();
    ids(org, person);
    const view = await personView(service, fetchLog, publicUrl, org, person);
    return c.body(await qrSvg(view.feed.subscribeUrl), 200, {
      "content-type": "image/svg+xml; charset=utf-8",
      "cache-control": "no-store",
    });
  });

  app.get("/admin/search", (c) => {
    const q = (c.req.query("q") ?? "").slice(0, MAX_QUERY);
    return c.json(service.search(q, SEARCH_LIMIT));
  });

  app.get("/admin/traffic", (c) => c.json(trafficView(fetchLog, service.deps.clock())));

  app.post("/admin/regenerate", async (c) => {
    const body = await readJsonRequest(c.req.raw, {
      limit: 64 * 1024,
      emptyAllowed: true,
      idleTimeoutMs: deps.bodyIdleTimeoutMs,
    });
    const job = maintenance.regenerate(parseRegenerateScope(body));
    return c.json({ job }, 202, { location: `/admin/jobs/${job.id}` });
  });

  app.get("/admin/jobs/:id", (c) => {
    const job = maintenance.job(c.req.param("id"));
    if (!job) throw new ServiceError("not_found", "No such job.");
    return c.json(job);
  });

  app.route(
    "/",
    createPartnerAdminRoutes({
      service,
      partnerDefaults: deps.partnerDefaults ?? { burst: 500, perHour: 3600 },
      randomBytes: deps.randomBytes ?? ((n) => crypto.getRandomValues(new Uint8Array(n))),
      ...(deps.bodyIdleTimeoutMs !== undefined && { bodyIdleTimeoutMs: deps.bodyIdleTimeoutMs }),
    }),
  );

  return app;
}
