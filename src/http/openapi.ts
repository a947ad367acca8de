/**
 * The OpenAPI 3.1 document of the HTTP surface (`GET /admin/openapi.json`), generated from the route definitions
 * the app registers (`openapi-route.ts`: each route's description and handler are one object), with the zod
 * schemas that validate the requests (`snapshotSchema`, `regenerateScopeSchema`) and type the answers
 * (`admin-schemas.ts`), so it cannot drift from them; `test/http/openapi.test.ts` checks that every route the app
 * registers is in it. https://spec.openapis.org/oas/v3.1.0
 */
import type { Hono } from "hono";
import { z } from "zod";
import { ADMIN_ROUTES } from "./admin-routes.ts";
import { ANSWER_SCHEMAS } from "./admin-schemas.ts";
import { FEED_ROUTES } from "./feed-route.ts";
import { routeApp, type Route, type RouteDoc } from "./openapi-route.ts";
import { PAGE_ROUTES } from "./pages/page-routes.ts";
import { STATIC_ROUTES } from "./pages/static-routes.ts";
import { SUBSCRIBE_ROUTES } from "./pages/subscribe-page.ts";
import { PARTNER_ADMIN_ROUTES } from "./partner-admin-routes.ts";
import { PARTNER_ROUTES } from "./partner-route.ts";
import { HEALTH_ROUTES } from "./serving-app.ts";

/** The document's own route. */
const OPENAPI_ROUTES: readonly Route<{ document: string }>[] = [
  {
    method: "get",
    path: "/admin/openapi.json",
    summary: "This document",
    access: "public",
    answers: { 200: { description: "OpenAPI 3.1", type: "application/json" } },
    handle: (c, { document }) =>
      c.body(document, 200, {
        "content-type": "application/json; charset=utf-8",
        "cache-control": "no-cache",
      }),
  },
];

/** Every route of the app: the tables `createApp` mounts, each route as it is registered. */
export const ROUTES: readonly RouteDoc[] = [
  ...ADMIN_ROUTES,
  ...PARTNER_ADMIN_ROUTES,
  ...PARTNER_ROUTES,
  ...PAGE_ROUTES,
  ...OPENAPI_ROUTES,
  ...HEALTH_ROUTES,
  ...FEED_ROUTES,
  ...SUBSCRIBE_ROUTES,
  ...STATIC_ROUTES,
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
        ? { [type]: answer.schema ? { schema: jsonSchema(ANSWER_SCHEMAS[answer.schema]) } : {} }
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

/** The route of the document for a server at `publicUrl`, to mount like the admin page (no token needed). */
export function createOpenApiRoutes(publicUrl: string): Hono {
  return routeApp(OPENAPI_ROUTES, { document: JSON.stringify(openApiDocument(publicUrl)) });
}
