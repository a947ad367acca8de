/**
 * The OpenAPI 3.1 document of the HTTP surface (`GET /admin/openapi.json`), generated from the zod schemas that
 * validate the requests (`snapshotSchema`, `regenerateScopeSchema`) and type the answers (`admin-schemas.ts`), so
 * it cannot drift from them; `test/http/openapi.test.ts` checks that every route the app registers is in it.
 * https://spec.openapis.org/oas/v3.1.0
 */
import { z } from "zod";
import { snapshotSchema } from "../core/snapshot/schema.ts";
import {
  healthSchema,
  jobAcceptedSchema,
  jobSchema,
  personViewSchema,
  publishResultSchema,
  schedulePeopleSchema,
  scheduleViewSchema,
  searchResultSchema,
  trafficSchema,
} from "./admin-schemas.ts";
import { SCRIPT_MODULES } from "./pages/static-routes.ts";
import { PARTNER_ROUTES } from "./openapi-partner.ts";
import { json, NOT_FOUND, problem, type RouteDoc } from "./openapi-route.ts";
import { regenerateScopeSchema } from "./regenerate-scope.ts";

/** Every route of the app, in the order docs/api.md lists them. */
export const ROUTES: readonly RouteDoc[] = [
  {
    method: "put",
    path: "/admin/orgs/{org}/schedules/{schedule}",
    summary: "Publish a snapshot of a schedule; the affected feeds are live when it answers",
    access: "admin",
    body: snapshotSchema,
    answers: {
      200: json("published (or an identical replay: `unchanged`)", publishResultSchema),
      400: problem("not JSON"),
      409: problem("revision not above the live one (`currentRevision`)"),
      413: problem("over MAX_SNAPSHOT_BYTES"),
      415: problem("not `application/json`"),
      422: problem("breaks the snapshot rules: every problem with its JSON path"),
    },
  },
  {
    method: "delete",
    path: "/admin/orgs/{org}/schedules/{schedule}",
    summary: "Retire a schedule: its assignments leave every feed",
    access: "admin",
    answers: { 200: json("retired", publishResultSchema), 404: NOT_FOUND },
  },
  {
    method: "get",
    path: "/admin/orgs/{org}/schedules/{schedule}",
    summary: "A schedule's revision, head count and schedule feed link",
    access: "admin",
    answers: { 200: json("the schedule", scheduleViewSchema), 404: NOT_FOUND },
  },
  {
    method: "post",
    path: "/admin/orgs/{org}/schedules/{schedule}/rotate",
    summary: "A new link for the schedule feed; the old one is dead from this moment",
    access: "admin",
    answers: { 200: json("the schedule, with the new link", scheduleViewSchema), 404: NOT_FOUND },
  },
  {
    method: "get",
    path: "/admin/orgs/{org}/schedules/{schedule}/people",
    summary: "The people a schedule lists",
    access: "admin",
    answers: { 200: json("the people, by id", schedulePeopleSchema), 404: NOT_FOUND },
  },
  {
    method: "get",
    path: "/admin/orgs/{org}/people/{person}",
    summary: "A person's feed links, validators and last fetch per client family",
    access: "admin",
    answers: { 200: json("the person", personViewSchema), 404: NOT_FOUND },
  },
  {
    method: "post",
    path: "/admin/orgs/{org}/people/{person}/rotate",
    summary: "A new feed link; the old one (and its subscribe page) is dead from this moment",
    access: "admin",
    answers: { 200: json("the person, with the new link", personViewSchema), 404: NOT_FOUND },
  },
  {
    method: "get",
    path: "/admin/orgs/{org}/people/{person}/qr.svg",
    summary: "A QR code of the person's subscribe page",
    access: "admin",
    answers: { 200: { description: "SVG", type: "image/svg+xml" }, 404: NOT_FOUND },
  },
  {
    method: "get",
    path: "/admin/search",
    summary: "People and schedules whose names or ids hold every word of `q` (case and accents ignored)",
    access: "admin",
    query: { q: "the words to look for" },
    answers: { 200: json("at most 20 people and 20 schedules, by name", searchResultSchema) },
  },
  {
    method: "get",
    path: "/admin/traffic",
    summary:
      "Feed requests per minute over the last hour; per recent window the 304 share, 429/503 counts and busiest clients",
    access: "admin",
    answers: { 200: json("the traffic view", trafficSchema) },
  },
  {
    method: "post",
    path: "/admin/regenerate",
    summary: "Re-render a scope in the background (an empty body: everything)",
    access: "admin",
    body: regenerateScopeSchema,
    answers: {
      202: json("queued (`Location: /admin/jobs/{id}`)", jobAcceptedSchema),
      400: problem("not a valid scope"),
      404: NOT_FOUND,
      503: problem("16 jobs queued or running (`Retry-After`)"),
    },
  },
  {
    method: "get",
    path: "/admin/jobs/{id}",
    summary: "A regeneration's progress",
    access: "admin",
    answers: { 200: json("the job", jobSchema), 404: NOT_FOUND },
  },
  ...PARTNER_ROUTES,
  {
    method: "get",
    path: "/admin",
    summary: "The admin web page (sign in with the admin token)",
    access: "public",
    answers: { 200: { description: "HTML", type: "text/html" } },
  },
  ...SCRIPT_MODULES.map((name): RouteDoc => ({
    method: "get",
    path: `/admin/${name}`,
    summary: name === "app.js" ? "The admin page's script" : "A module the admin page's script imports",
    access: "public",
    answers: { 200: { description: "JavaScript", type: "text/javascript" } },
  })),
  {
    method: "get",
    path: "/admin/openapi.json",
    summary: "This document",
    access: "public",
    answers: { 200: { description: "OpenAPI 3.1", type: "application/json" } },
  },
  {
    method: "get",
    path: "/metrics",
    summary: "Prometheus text: requests, feed fetches by client family and status",
    access: "admin",
    answers: { 200: { description: "Prometheus text format 0.0.4", type: "text/plain" } },
  },
  {
    method: "get",
    path: "/healthz",
    summary: "Liveness",
    access: "public",
    answers: { 200: json("alive", healthSchema) },
  },
  {
    method: "get",
    path: "/feeds/{token}.ics",
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
  },
  {
    method: "get",
    path: "/subscribe/{token}",
    summary: "The subscribe page of a feed: name, next shifts, one button per calendar app, a QR code",
    access: "capability",
    answers: {
      200: { description: "HTML", type: "text/html" },
      404: { description: "HTML: unknown, rotated or malformed token", type: "text/html" },
      429: {
        description: "HTML: over the budgets of the feed it belongs to (`Retry-After`)",
        type: "text/html",
      },
    },
  },
  {
    method: "get",
    path: "/static/shiftfeed.css",
    summary: "The pages' stylesheet",
    access: "public",
    answers: { 200: { description: "CSS", type: "text/css" } },
  },
];

const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });

function operation(route: RouteDoc) {
  const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: "path",
    required: true,
    schema: { type: "string" },
  }));
  const query = Object.entries(route.query ?? {}).map(([name, description]) => ({
    name,
    in: "query",
    description,
    schema: { type: "string" },
  }));
  const responses = Object.fromEntries(
    Object.entries(route.answers).map(([status, answer]) => {
      const type = answer.schema ? "application/json" : answer.type;
      const content = type
        ? { [type]: answer.schema ? { schema: jsonSchema(answer.schema) } : {} }
        : undefined;
      return [status, { description: answer.description, ...(content && { content }) }];
    }),
  );
  return {
    summary: route.summary,
    ...(route.access === "admin" ? {} : { security: [] }),
    ...(params.length + query.length > 0 && { parameters: [...params, ...query] }),
    ...(route.body && {
      requestBody: {
        required: route.method === "put",
        content: { "application/json": { schema: jsonSchema(route.body) } },
      },
    }),
    responses: {
      ...responses,
      ...(route.access === "admin" && { 401: { description: "no or wrong bearer token" } }),
    },
  };
}

/** The OpenAPI document, for a server at `publicUrl`. */
export function openApiDocument(publicUrl: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) (paths[route.path] ??= {})[route.method] = operation(route);
  return {
    openapi: "3.1.0",
    info: {
      title: "shiftfeed",
      version: "1",
      description: "Per-person iCalendar feeds from hospital schedule snapshots; the admin API.",
    },
    servers: [{ url: publicUrl }],
    components: { securitySchemes: { admin: { type: "http", scheme: "bearer" } } },
    security: [{ admin: [] }],
    paths,
  };
}
