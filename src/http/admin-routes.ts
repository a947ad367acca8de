/**
 * The admin API (CONTRACT.md "Admin API"), behind bearer auth: publish, retire, look up, rotate, regenerate.
 */
import { Hono } from "hono";
import { ServiceError } from "../core/errors.ts";
import type { FetchLog } from "../core/fetch-log.ts";
import type { FeedService } from "../core/publish/feed-service.ts";
import { personFeedKey, scheduleFeedKey } from "../core/publish/keys.ts";
import type { Maintenance } from "../core/publish/maintenance.ts";
import { ID } from "../core/snapshot/field-checks.ts";
import { personView, scheduleView } from "./admin-views.ts";
import { readJsonRequest } from "./json-request.ts";
import { createPartnerAdminRoutes } from "./partner-admin-routes.ts";
import { parseRegenerateScope } from "./regenerate-scope.ts";

export interface AdminDeps {
  service: FeedService;
  maintenance: Maintenance;
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
    return c.json(await service.publish(body, { org, schedule }));
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
