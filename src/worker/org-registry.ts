/**
 * Which organizations exist, for the work that spans them (the daily roll, a regeneration without `org`,
 * `/healthz`): one empty R2 object per organization under `orgs/`, written by its Durable Object once it holds a
 * schedule. R2 lists are strongly consistent, so a new organization is rolled from the next cron on.
 */

const PREFIX = "orgs/";

/** Records an organization (idempotent). */
export async function registerOrg(bucket: R2Bucket, org: string): Promise<void> {
  await bucket.put(`${PREFIX}${org}`, new Uint8Array(0));
}

/** Every registered organization, sorted. */
export async function listOrgs(bucket: R2Bucket): Promise<string[]> {
  const orgs: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix: PREFIX, ...(cursor === undefined ? {} : { cursor }) });
    for (const object of page.objects) orgs.push(object.key.slice(PREFIX.length));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor !== undefined);
  return orgs.sort();
}
