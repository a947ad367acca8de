/**
 * The OpenAPI document (`GET /admin/openapi.json`) covers every route the app registers and nothing else (routes
 * are registered from the definitions the document is generated from: this checks that construction); its
 * request bodies are the very zod schemas that validate requests, and real answers parse with the schemas it shows.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { snapshotSchema } from "../../src/core/snapshot/schema.ts";
import {
  jobAcceptedSchema,
  jobSchema,
  personViewSchema,
  schedulePeopleSchema,
  scheduleViewSchema,
  searchResultSchema,
  trafficSchema,
} from "../../src/http/admin-schemas.ts";
import { ROUTES } from "../../src/http/openapi.ts";
import { regenerateScopeSchema } from "../../src/http/regenerate-scope.ts";
import { createStack, type Stack } from "../support/stack.ts";
import { ADMIN_TOKEN, makeSnapshot, raw, serveApp, T0 } from "../support/server.ts";

type Doc = { openapi: string; paths: Record<string, Record<string, Record<string, unknown>>> };

let stack: Stack;
let served: Awaited<ReturnType<typeof serveApp>>;
let doc: Doc;
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

beforeAll(async () => {
  stack = await createStack({ now: T0 });
  served = await serveApp(stack.app);
  const reply = await raw("GET", `${served.url}/admin/openapi.json`); // no token needed
  expect(reply.status).toBe(200);
  doc = reply.json as Doc;
});
afterAll(() => served.close());

/**
 * Every route the app registers, as `METHOD /path/{param}`: a route whose Hono match is not its documented method
 * and path (the feed route's `ALL /feeds/*`) as documented; other `ALL` entries are `app.use` middleware.
 */
function registered(): string[] {
  const matched = new Map<string, string>();
  for (const r of ROUTES) {
    if (r.match) matched.set(`${r.match.method} ${r.match.path}`, `${r.method.toUpperCase()} ${r.path}`);
  }
  const out = new Set<string>();
  for (const { method, path } of stack.app.routes) {
    const documented = matched.get(`${method} ${path}`);
    if (documented !== undefined) out.add(documented);
    else if (method !== "ALL") out.add(`${method} ${path.replace(/:(\w+)/g, "{$1}")}`);
  }
  return [...out].sort();
}

describe("the OpenAPI document", () => {
  it("is OpenAPI 3.1 and lists exactly the routes the app registers", () => {
    expect(doc.openapi).toBe("3.1.0");
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(registered()).toEqual(documented);
    expect(documented).toHaveLength(ROUTES.length);
  });

  it("documents the admin bearer token on admin routes only", () => {
    for (const route of ROUTES) {
      const op = doc.paths[route.path]![route.method]!;
      const responses = op["responses"] as Record<string, unknown>;
      if (route.access === "admin") expect(responses["401"], route.path).toBeDefined();
      else expect(op["security"], route.path).toEqual([]);
    }
  });

  it("shows request bodies as the zod schemas that validate them", () => {
    const body = (path: string, method: string) =>
      (doc.paths[path]![method]!["requestBody"] as { content: Record<string, { schema: unknown }> }).content[
        "application/json"
      ]!.schema;
    const jsonSchema = (s: z.ZodType) =>
      JSON.parse(JSON.stringify(z.toJSONSchema(s, { io: "input", unrepresentable: "any" }))) as unknown;
    expect(body("/admin/orgs/{org}/schedules/{schedule}", "put")).toEqual(jsonSchema(snapshotSchema));
    expect(body("/admin/regenerate", "post")).toEqual(jsonSchema(regenerateScopeSchema));
    const snapshot = body("/admin/orgs/{org}/schedules/{schedule}", "put") as {
      properties: Record<string, Record<string, unknown>>;
      additionalProperties: boolean;
    };
    expect(snapshot.additionalProperties).toBe(false);
    expect(snapshot.properties["revision"]).toMatchObject({ type: "integer", minimum: 1 });
  });

  it("describes what the API really answers (answers parse with the documented schemas)", async () => {
    const call = async (method: string, path: string, body?: unknown) => {
      const reply = await raw(method, served.url + path, {
        headers: { ...auth, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      expect(reply.status, `${method} ${path}: ${reply.text}`).toBeLessThan(300);
      return reply.json;
    };
    await call("PUT", "/admin/orgs/acme/schedules/icu", makeSnapshot());
    await raw(
      "GET",
      (
        personViewSchema.parse(await call("GET", "/admin/orgs/acme/people/pA")) as { feed: { url: string } }
      ).feed.url.replace("https://feeds.example.org", served.url),
      {
        headers: { "user-agent": "Google-Calendar-Importer" },
      },
    );
    const person = personViewSchema.parse(await call("GET", "/admin/orgs/acme/people/pA"));
    expect(person.lastFetch.map((f) => f.client)).toEqual(["google"]);
    scheduleViewSchema.parse(await call("GET", "/admin/orgs/acme/schedules/icu"));
    schedulePeopleSchema.parse(await call("GET", "/admin/orgs/acme/schedules/icu/people"));
    searchResultSchema.parse(await call("GET", "/admin/search?q=ada"));
    trafficSchema.parse(await call("GET", "/admin/traffic"));
    const { job } = jobAcceptedSchema.parse(await call("POST", "/admin/regenerate", { org: "acme" }));
    jobSchema.parse(await call("GET", `/admin/jobs/${job.id}`));
  });
});
