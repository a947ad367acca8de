/**
 * The feed URLs to load: every person of a generated data set, looked up through the admin API
 * (`GET /admin/orgs/{org}/people/{person}`) for their link and validators.
 */
import { personId } from "../../src/cli/fixtures/people.ts";
import { planFixtures, schedulesOf, type FixtureOptions } from "../../src/cli/fixtures/plan.ts";
import type { AdminClient, FeedInfo } from "../../src/cli/admin-client.ts";
import { mapLimit } from "../../src/cli/pool.ts";
import type { FeedTarget } from "./request-kinds.ts";

/** One person of one organization. */
export interface PersonRef {
  org: string;
  person: string;
}

/** Every person of a generated data set, once each, in file order. */
export function peopleOfFixtures(options: FixtureOptions): PersonRef[] {
  return schedulesOf(planFixtures(options)).flatMap((s) =>
    Array.from({ length: s.size }, (_, i) => ({ org: s.org.id, person: personId(s.first + i) })),
  );
}

/** Looks each person's feed up (a few at a time) and answers its path and validators, in `people` order. */
export async function lookUpFeeds(
  admin: AdminClient,
  people: readonly PersonRef[],
  onProgress: (done: number) => void = () => {},
): Promise<FeedTarget[]> {
  let done = 0;
  return mapLimit(people, 8, async ({ org, person }) => {
    const { feed } = await admin.json<{ feed: FeedInfo }>(
      "GET",
      `/admin/orgs/${encodeURIComponent(org)}/people/${encodeURIComponent(person)}`,
    );
    onProgress(++done);
    return { path: new URL(feed.url).pathname, etag: feed.etag, lastModified: feed.lastModified };
  });
}
