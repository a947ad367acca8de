/**
 * The partner API on Workers: the same route tables as Node (`partner-admin-routes.ts`, `partner-route.ts`), with
 * partner keys kept by their organization's Durable Object and found through the R2 index (`partner-index.ts`).
 *
 * - Keys: `POST /admin/partners` goes to the object of the organization its body names, `DELETE` to the one its
 *   id's index entry names (one R2 `head`, whatever the number of organizations), a list to one organization or
 *   to every registered one, a few at a time.
 * - Ranges: the cheap checks are made here, in Node's order as far as the Rate Limiting binding allows, and only
 *   a request with a key that exists reaches an object. A malformed or unknown key (one R2 `head`, none for a key
 *   this isolate has seen) is a miss on the address's miss budget (`edge-limits.ts`), as on Node, and so is a key
 *   asking for another organization or a path that names no schedule (`404`). A key that exists is no scan: the
 *   request goes to its organization's object, which answers with Node's route — the key's hash and revocation,
 *   its quota (in the object, which every request of the organization passes through), the range from its SQLite,
 *   validators, `304`, `HEAD`. A key the object refuses (revoked) counts as a miss afterwards (the binding counts
 *   and answers at once: it cannot be asked first and given back, so a key that exists never meets the budget).
 */
import type { Context, Hono } from "hono";
import { ServiceError } from "../core/errors.ts";
import { ID } from "../core/snapshot/field-checks.ts";
import { errorResponse } from "../http/errors.ts";
import { routeApp } from "../http/openapi-route.ts";
import { createPartnerAdminRoutes, type PartnerKeyStore } from "../http/partner-admin-routes.ts";
import {
  limited,
  NO_SUCH_SCHEDULE,
  PARTNER_ROUTES,
  partnerBearer,
  rangeTarget,
  unauthorized,
} from "../http/partner-route.ts";
import type { EdgeLimits } from "./edge-limits.ts";
import type { WorkerEnv } from "./env.ts";
import { ORG_PARALLEL } from "./in-parallel.ts";
import { askEveryOrg, askOrg } from "./org-calls.ts";
import { PartnerKeyIndex, type MadeKey } from "./partner-index.ts";

/** What the partner routes need of the Worker. */
export interface PartnerEdgeDeps {
  /** The bindings: `ORGS` (asked through `org-calls.ts`: an object failing is a `503`) and `FEEDS` (the index). */
  env: WorkerEnv;
  limits: EdgeLimits;
  partnerDefaults: { burst: number; perHour: number };
}

/** A read of the index; R2 failing is a passing fault (`503` with `Retry-After`), never an unknown key. */
async function indexRead<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch {
    throw new ServiceError(
      "unavailable",
      "Partner keys are temporarily unavailable.",
      [],
      {},
      {
        "retry-after": "10",
      },
    );
  }
}

/** Partner keys kept by their organizations' objects, found through the index. */
function objectKeys(deps: PartnerEdgeDeps, index: PartnerKeyIndex): PartnerKeyStore {
  return {
    async createPartnerKey(input, key) {
      const made = await askOrg<MadeKey>(deps.env, input.org, async (o) => o.createPartnerKey(input, key));
      if ("notFound" in made) throw new ServiceError("not_found", made.notFound);
      return made.row;
    },
    async partnerKeys(org) {
      if (org !== undefined) return ID.test(org) ? askOrg(deps.env, org, (o) => o.partnerKeys(org)) : [];
      const all = (await askEveryOrg(deps.env, ORG_PARALLEL, (o) => o.partnerKeys())).flat();
      // Oldest first, as one table's `ORDER BY created_at, id`.
      return all.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    },
    async revokePartnerKey(id) {
      const org = await indexRead(() => index.orgOfId(id));
      return org === null ? null : askOrg(deps.env, org, (o) => o.revokePartnerKey(id));
    },
  };
}

/**
 * The partner routes on the Worker: the key routes (mount behind the admin check) and the range route.
 * @returns the two apps to mount.
 */
export function createPartnerEdgeRoutes(deps: PartnerEdgeDeps): { admin: Hono; ranges: Hono } {
  const index = new PartnerKeyIndex(deps.env.FEEDS);
  const admin = createPartnerAdminRoutes({
    service: objectKeys(deps, index),
    partnerDefaults: deps.partnerDefaults,
    randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
  });
  // Node's route, its path and description, answered here first.
  const ranges = routeApp(
    PARTNER_ROUTES.map((route) => ({ ...route, handle: (c: Context) => edgeRange(c, deps, index) })),
    deps,
  );
  return { admin, ranges };
}

async function edgeRange(c: Context, deps: PartnerEdgeDeps, index: PartnerKeyIndex): Promise<Response> {
  const request = c.req.raw;
  const miss = async (answer: () => Response) => {
    const refused = await deps.limits.miss(request);
    return refused === null ? answer() : limited(refused.retryAfter);
  };
  const bearer = partnerBearer(c.req.header("authorization"));
  const place = bearer === null ? null : await indexRead(() => index.place(bearer));
  if (place === null) return miss(unauthorized);
  const org = c.req.param("org") ?? "";
  if (rangeTarget(org, c.req.param("file") ?? "") === null || place.org !== org) {
    return miss(() => errorResponse(NO_SUCH_SCHEDULE()));
  }
  // A failing object is a 503 that names neither the organization nor the error: a partner is no admin.
  const answer = await askOrg(deps.env, place.org, (o) => o.fetch(request), false);
  if (answer.status !== 401) return answer;
  await answer.body?.cancel();
  return miss(unauthorized);
}
