/**
 * How one route is described in the OpenAPI document (`openapi.ts`), and the answers most routes share.
 */
import type { z } from "zod";
import { errorSchema } from "./admin-schemas.ts";

export type Method = "get" | "put" | "post" | "delete";

/** One answer: a JSON schema, or another media type described in words. */
export type Answer = { description: string; schema?: z.ZodType; type?: string };

/** One documented route. Paths use OpenAPI's `{param}` form; every `{param}` is a path parameter. */
export interface RouteDoc {
  method: Method;
  path: string;
  summary: string;
  /** `admin`: needs `Authorization: Bearer <ADMIN_TOKEN>`; `public`: none; `capability`: the URL is the secret. */
  access: "admin" | "public" | "capability";
  body?: z.ZodType;
  query?: Record<string, string>;
  answers: Record<number, Answer>;
}

export const json = (description: string, schema: z.ZodType): Answer => ({ description, schema });
export const problem = (description: string): Answer => ({ description, schema: errorSchema });
export const NOT_FOUND = problem("no such organization, schedule, person or job");
