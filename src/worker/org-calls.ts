/**
 * The Worker's calls to organizations' Durable Objects. An object that cannot answer (its storage refused it, say
 * a schema a newer version wrote) throws across the call as a plain `Error`; here it becomes a `503` with
 * `Retry-After`, logged with the organization (`org_unavailable`) — never an internal error, and never the
 * organization or the error's words on a public page.
 */
import { ServiceError } from "../core/errors.ts";
import { workerLogger } from "./logger.ts";
import type { WorkerEnv } from "./env.ts";
import { mapInParallel } from "./in-parallel.ts";
import { listOrgs } from "./org-registry.ts";

/** An organization's Durable Object. */
export const orgStub = (env: WorkerEnv, org: string) => env.ORGS.get(env.ORGS.idFromName(org));

/**
 * The `503` of an organization's object that failed to answer.
 * @param detail whether the answer may name the organization and the error (admin calls only, never a page).
 */
export function orgUnavailable(org: string, error: unknown, detail: boolean): ServiceError {
  workerLogger.error("org_unavailable", { org, error: String(error) });
  const message = detail
    ? `Organization ${org} cannot answer right now: ${error instanceof Error ? error.message : String(error)}`
    : "This page is temporarily unavailable.";
  return new ServiceError("unavailable", message, [], {}, { "retry-after": "60" });
}

/** Asks one organization's object; a failure is {@link orgUnavailable}. */
export function askOrg<T>(
  env: WorkerEnv,
  org: string,
  ask: (object: ReturnType<typeof orgStub>) => Promise<T>,
  detail = true,
): Promise<T> {
  return ask(orgStub(env, org)).catch((error: unknown) => {
    throw error instanceof ServiceError ? error : orgUnavailable(org, error, detail);
  });
}

/** Asks every registered organization's object, `limit` at a time; the answers in order. */
export async function askEveryOrg<T>(
  env: WorkerEnv,
  limit: number,
  ask: (object: ReturnType<typeof orgStub>) => Promise<T>,
): Promise<T[]> {
  return mapInParallel(await listOrgs(env.FEEDS), limit, (org) => askOrg(env, org, ask));
}
