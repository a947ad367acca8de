/**
 * The admin API (CONTRACT.md "Admin API"), behind bearer auth: publish, retire, look up, rotate, regenerate.
 */
import { Hono } from "hono";
import { ServiceError } from "../core/errors.ts";
import type { FetchLog } from "../core/fetch-log.ts";
import type { FeedService } from "../core/publish/feed-service.ts";
import { personFeedKey, scheduleFeedKey } from "../core/publish/keys.ts";
import type { Maintenance, RegenerateScope } from "../core/publish/maintenance.ts";
import { ID } from "../core/snapshot/field-checks.ts";
import { parseJsonBody } from "../core/snapshot/parse-body.ts";
import { ingestSnapshot, type Ingest } from "../core/snapshot/ingest.ts";
import { personView, scheduleView } from "./admin-views.ts";
import { isJsonMediaType, readBodyCapped } from "./read-body.ts";

export interface AdminDeps {
  service: FeedService;
  maintenance: Maintenance;
  fetchLog: FetchLog;
  publicUrl: string;
  /** Largest accepted snapshot body, in bytes. */
  maxSnapshotBytes: number;
  /** Parses and validates publish bodies; default {@link ingestSnapshot}, in process (Node passes a worker pool). */
  ingest?: Ingest;
}

function ids(...values: string[]): void {
  for (const v of values) if (!ID.test(v)) throw new ServiceError("not_found", "No such resource.");
}

async function jsonBytes(request: Request, limit: number): Promise<Uint8Array> {
  if (!isJsonMediaType(request.headers.get("content-type") ?? undefined)) {
    throw new ServiceError("unsupported_media_type", "The body must be `application/json` (UTF-8).");
  }
  return readBodyCapped(request, limit);
}

function regenerateScope(value: unknown): RegenerateScope {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ServiceError("bad_request", "The body must be a JSON object.", [
      { path: "$", message: "must be an object" },
    ]);
  }
  const scope: RegenerateScope = {};
  const details = [];
  for (const [field, v] of Object.entries(value)) {
    if (field !== "org" && field !== "schedule" && field !== "person") {
      details.push({ path: `$.${field}`, message: `unknown field \`${field}\`` });
    } else if (typeof v !== "string" || !ID.test(v)) {
      details.push({
        path: `$.${field}`,
        message: `\`${field}\` must be an id of 1–64 characters [A-Za-z0-9._-]`,
      });
    } else scope[field] = v;
  }
  if (details.length > 0)
    throw new ServiceError("bad_request", "The regeneration scope is not valid.", details);
  return scope;
}

/** The admin routes, to mount behind `requireAdmin`. */
export function createAdminRoutes(deps: AdminDeps): Hono {
  const { service, maintenance, fetchLog, publicUrl, ingest = ingestSnapshot } = deps;
  const app = new Hono();

  app.put("/admin/orgs/:org/schedules/:schedule", async (c) => {
    const { org, schedule } = c.req.param();
    ids(org, schedule);
    const result = await ingest(await jsonBytes(c.req.raw, deps.maxSnapshotBytes), { org, schedule });
    if (!result.ok) throw new ServiceError(result.error.code, result.error.message, result.error.details);
    return c.json(await service.publish(result.snapshot, result.hash));
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
    const raw = await readBodyCapped(c.req.raw, 64 * 1024);
    let scope: RegenerateScope = {};
    if (raw.length > 0) {
      const parsed = parseJsonBody(raw);
      if (!parsed.ok) throw new ServiceError("invalid_json", parsed.message);
      scope = regenerateScope(parsed.value);
    }
    const job = maintenance.regenerate(scope);
    return c.json({ job }, 202, { location: `/admin/jobs/${job.id}` });
  });

  app.get("/admin/jobs/:id", (c) => {
    const job = maintenance.job(c.req.param("id"));
    if (!job) throw new ServiceError("not_found", "No such job.");
    return c.json(job);
  });

  return app;
}
