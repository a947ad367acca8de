/**
 * Which organizations exist, for the work that spans them (the daily roll, a regeneration without `org`,
 * `/healthz`): one empty R2 object per organization under `orgs/`, written by its Durable Object once it holds a
 * schedule. R2 lists are strongly consistent, so a new organization is rolled from the next cron on. A list R2
 * refuses is `unavailable` (503 with Retry-After) and logged, as any storage failure: the call can be made again.
 */
import { ServiceError } from "../core/errors.ts";
import { workerLogger } from "./logger.ts";

const PREFIX = "orgs/";

/** Records an organization (idempotent). */
export async function registerOrg(bucket: R2Bucket, org: string): Promise<void> {
  await bucket.put(`${PREFIX}${org}`, new Uint8Array(0));
}

/** The answer while R2 cannot list the organizations; R2's error is logged (`registry_unavailable`). */
function registryUnavailable(error: unknown): ServiceError {
  workerLogger.error("registry_unavailable", { error: String(error) });
  return new ServiceError(
    "unavailable",
    "The list of organizations cannot be read right now; try again shortly.",
    [],
    {},
    { "retry-after": "5" },
  );
}

/**
 * Every registered organization, sorted.
 * @throws ServiceError `unavailable` when R2 refuses the list.
 */
export async function listOrgs(bucket: R2Bucket): Promise<string[]> {
  const orgs: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket
      .list({ prefix: PREFIX, ...(cursor === undefined ? {} : { cursor }) })
      .catch((error: unknown) => {
        throw registryUnavailable(error);
      });
    for (const object of page.objects) orgs.push(object.key.slice(PREFIX.length));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor !== undefined);
  return orgs.sort();
}
