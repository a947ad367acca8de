/**
 * A route as the app defines it: what the OpenAPI document says of it (`openapi.ts`) and how it answers, in one
 * object. Routes are registered only from these (`routeApp`), and the document is generated from the same
 * objects, so a route cannot be served without being described, nor described as anything but what is served.
 */
import { Hono, type Context } from "hono";
import type { z } from "zod";
import type { AnswerSchemaName } from "./admin-schemas.ts";

export type Method = "get" | "put" | "post" | "delete";

/**
 * One answer: a JSON schema by its name in `ANSWER_SCHEMAS` (a name, so that defining a route loads no zod: the
 * serving threads never do), or another media type described in words.
 */
export type Answer = { description: string; schema?: AnswerSchemaName; type?: string };

/** What the OpenAPI document says of a route. Paths use OpenAPI's `{param}` form; every `{param}` is a path parameter. */
export interface RouteDoc {
  method: Method;
  path: string;
  summary: string;
  /** `admin`: needs `Authorization: Bearer <ADMIN_TOKEN>`; `public`: none; `capability`: the URL is the secret. */
  access: "admin" | "public" | "capability";
  body?: z.ZodType;
  query?: Record<string, string>;
  answers: Record<number, Answer>;
  /**
   * How Hono matches the route where that is not `method` and `path`: the feed route takes every method and
   * reads its raw path itself (`answerFeed`).
   */
  match?: { method: "ALL"; path: string };
}

/** A route: its description and its answer, given the dependencies of the table it is in. */
export interface Route<D> extends RouteDoc {
  handle(c: Context, deps: D): Response | Promise<Response>;
}

/** Hono's form of an OpenAPI path: `{param}` → `:param`. */
export const honoPath = (path: string): string => path.replace(/\{(\w+)\}/g, ":$1");

/** A Hono app answering a table of routes with `deps`, to mount with `app.route("/", …)`. */
export function routeApp<D>(routes: readonly Route<D>[], deps: D): Hono {
  const app = new Hono();
  for (const route of routes) {
    const method = route.match?.method ?? route.method.toUpperCase();
    app.on(method, route.match?.path ?? honoPath(route.path), (c) => route.handle(c, deps));
  }
  return app;
}

export const json = (description: string, schema: AnswerSchemaName): Answer => ({ description, schema });
export const problem = (description: string): Answer => ({ description, schema: "error" });
export const NOT_FOUND = problem("no such organization, schedule, person or job");
