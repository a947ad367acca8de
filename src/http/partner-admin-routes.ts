/**
 * Partner keys through the admin API: create (the key is shown once, only its SHA-256 is stored), list, revoke.
 * A key reads one organization's schedules as ranges (`partner-route.ts`) within its own quota. Each route is
 * defined once with its OpenAPI description (`openapi-route.ts`).
 */
import type { Context, Hono } from "hono";
import { z } from "zod";
import { toBase64Url } from "../core/digest.ts";
import { ServiceError } from "../core/errors.ts";
import { ID } from "../core/snapshot/field-checks.ts";
import type { PartnerKeyRow } from "../core/store/partner-keys-table.ts";
import { decodeJsonText, parseJsonText } from "../core/snapshot/parse-body.ts";
import { readJsonRequest } from "./json-request.ts";
import { json, NOT_FOUND, problem, routeApp, type Route } from "./openapi-route.ts";

/**
 * Where partner keys are kept: the service's store (`FeedService` on Node), or a runtime's own with the same three
 * calls (on Workers, each key in its organization's Durable Object).
 */
export interface PartnerKeyStore {
  /** @throws ServiceError `not_found` for an organization that has published nothing. */
  createPartnerKey(
    input: Omit<PartnerKeyRow, "keyHash" | "createdAt" | "revokedAt">,
    key: string,
  ): Promise<PartnerKeyRow>;
  /** Every key (of one organization, when given), oldest first. */
  partnerKeys(org?: string): PartnerKeyRow[] | Promise<PartnerKeyRow[]>;
  /** Revokes a key, refused from the very next request; `null` for an unknown id. */
  revokePartnerKey(id: string): PartnerKeyRow | null | Promise<PartnerKeyRow | null>;
}

export interface PartnerAdminDeps {
  service: PartnerKeyStore;
  /** A new key's quota unless the request names one (`PARTNER_BURST`, `PARTNER_PER_HOUR`). */
  partnerDefaults: { burst: number; perHour: number };
  /** Random bytes (24 for a key, 9 for an id). */
  randomBytes: (n: number) => Uint8Array;
  bodyIdleTimeoutMs?: number;
}

/** A partner key request's body (also in the OpenAPI document). */
export const partnerKeyRequestSchema = z
  .object({
    org: z.string().regex(ID, "must be an organization id"),
    name: z.string().min(1).max(200),
    burst: z.number().int().min(1).max(1_000_000).optional(),
    perHour: z.number().int().min(1).max(100_000_000).optional(),
  })
  .strict();

/** A key as the admin API shows it: never its hash. */
function view(k: PartnerKeyRow) {
  return {
    id: k.id,
    org: k.org,
    name: k.name,
    burst: k.burst,
    perHour: k.perHour,
    createdAt: new Date(k.createdAt * 1000).toISOString(),
    revokedAt: k.revokedAt === null ? null : new Date(k.revokedAt * 1000).toISOString(),
  };
}

/** A new key: its id and key from random bytes, its quota from the request or the defaults. */
async function createKey(c: Context, deps: PartnerAdminDeps): Promise<Response> {
  const body = await readJsonRequest(c.req.raw, {
    limit: 16 * 1024,
    idleTimeoutMs: deps.bodyIdleTimeoutMs,
  });
  const decoded = decodeJsonText(body);
  if (!decoded.ok) throw new ServiceError("invalid_json", decoded.message);
  const json = parseJsonText(decoded.text);
  if (!json.ok) throw new ServiceError("invalid_json", json.message);
  const parsed = partnerKeyRequestSchema.safeParse(json.value);
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => ({ path: `$.${i.path.join(".")}`, message: i.message }));
    throw new ServiceError("bad_request", "The partner key request is not valid.", details);
  }
  const { org, name } = parsed.data;
  const key = `sfp_${toBase64Url(deps.randomBytes(24))}`;
  const row = await deps.service.createPartnerKey(
    {
      id: `pk_${toBase64Url(deps.randomBytes(9))}`,
      org,
      name,
      burst: parsed.data.burst ?? deps.partnerDefaults.burst,
      perHour: parsed.data.perHour ?? deps.partnerDefaults.perHour,
    },
    key,
  );
  return c.json({ ...view(row), key }, 201, { location: `/admin/partners/${row.id}` });
}

/** The partner-key routes (docs/api.md › Partner API). */
export const PARTNER_ADMIN_ROUTES: readonly Route<PartnerAdminDeps>[] = [
  {
    method: "post",
    path: "/admin/partners",
    summary: "A partner API key for one organization, with its quota",
    access: "admin",
    body: partnerKeyRequestSchema,
    answers: {
      201: json("the key (shown this once; only its SHA-256 is stored)", "partnerKeyCreated"),
      400: problem("not a valid request"),
      404: NOT_FOUND,
    },
    handle: createKey,
  },
  {
    method: "get",
    path: "/admin/partners",
    summary: "Partner keys (never their key or hash)",
    access: "admin",
    query: { org: "only this organization's keys" },
    answers: { 200: json("the keys", "partnerKeyList") },
    handle: async (c, { service }) =>
      c.json({ partners: (await service.partnerKeys(c.req.query("org"))).map(view) }),
  },
  {
    method: "delete",
    path: "/admin/partners/{id}",
    summary: "Revoke a partner key: refused from the very next request",
    access: "admin",
    answers: { 200: json("the key, with revokedAt", "partnerKey"), 404: NOT_FOUND },
    async handle(c, { service }) {
      const row = await service.revokePartnerKey(c.req.param("id") ?? "");
      if (row === null) throw new ServiceError("not_found", "No such partner key.");
      return c.json(view(row));
    },
  },
];

/** The partner-key routes, to mount behind `requireAdmin`. */
export function createPartnerAdminRoutes(deps: PartnerAdminDeps): Hono {
  return routeApp(PARTNER_ADMIN_ROUTES, deps);
}
