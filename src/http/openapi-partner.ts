/**
 * The partner API's routes in the OpenAPI document (`openapi.ts`): the admin routes that create, list and revoke
 * partner keys, and the range reads partners make with them (docs/api.md › Partner API).
 */
import { partnerKeyCreatedSchema, partnerKeyListSchema, partnerKeySchema } from "./admin-schemas.ts";
import { json, NOT_FOUND, problem, type RouteDoc } from "./openapi-route.ts";
import { partnerKeyRequestSchema } from "./partner-admin-routes.ts";

export const PARTNER_ROUTES: readonly RouteDoc[] = [
  {
    method: "post",
    path: "/admin/partners",
    summary: "A partner API key for one organization, with its quota",
    access: "admin",
    body: partnerKeyRequestSchema,
    answers: {
      201: json("the key (shown this once; only its SHA-256 is stored)", partnerKeyCreatedSchema),
      400: problem("not a valid request"),
      404: NOT_FOUND,
    },
  },
  {
    method: "get",
    path: "/admin/partners",
    summary: "Partner keys (never their key or hash)",
    access: "admin",
    query: { org: "only this organization's keys" },
    answers: { 200: json("the keys", partnerKeyListSchema) },
  },
  {
    method: "delete",
    path: "/admin/partners/{id}",
    summary: "Revoke a partner key: refused from the very next request",
    access: "admin",
    answers: { 200: json("the key, with revokedAt", partnerKeySchema), 404: NOT_FOUND },
  },
  {
    method: "get",
    path: "/partner/orgs/{org}/schedules/{file}",
    summary:
      "A schedule as a range of dates (`{schedule}.ics` or `{schedule}.json`, `from` and `to` snapped to whole months), with a partner key as bearer token; conditional GET",
    access: "capability",
    query: { from: "YYYY-MM-DD", to: "YYYY-MM-DD" },
    answers: {
      200: { description: "the range (`.json`: the same range as application/json)", type: "text/calendar" },
      304: { description: "not modified" },
      400: problem("not a valid range"),
      401: problem("no valid partner key"),
      404: NOT_FOUND,
      429: problem("the key's or the address's quota is spent (`Retry-After`)"),
    },
  },
];
