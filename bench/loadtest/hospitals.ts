/**
 * The load test's data: two hospitals whose people are the clients' feeds, and a third whose links are mostly
 * dead, published through the admin API; then which feed each class of clients polls, and every live feed's
 * validators (nginx's copy is made from them).
 */
import type { AdminClient, FeedInfo } from "../../src/cli/admin-client.ts";
import type { FeedTarget } from "../lib/request-kinds.ts";
import { PEOPLE_PER_ORG, snapshotOf } from "./data.ts";
import { PARTNER, RETRY, SHARED_FETCHER, SUBSCRIBERS, type ClientClass, type ClientKind } from "./plan.ts";

/** What {@link publishHospitals} made. */
export interface Hospitals {
  /** Every live feed with its validators. */
  feeds: FeedTarget[];
  /** The feeds each class of clients polls, with the client it speaks as. */
  targets: Record<ClientClass, { path: string; kind: ClientKind }[]>;
  /** How many links are dead (rotated, or of people no longer on a schedule). */
  deadLinks: number;
}

/** Publishes the three hospitals of the load test (on `today`) and plans who polls what. */
export async function publishHospitals(admin: AdminClient, today: string): Promise<Hospitals> {
  const orgs = [
    { org: "gold", tier: "enterprise" as const },
    { org: "tin", tier: "standard" as const },
  ];
  for (const o of orgs) {
    const body = snapshotOf({
      ...o,
      schedule: "wards",
      people: PEOPLE_PER_ORG,
      assignmentsEach: 20,
      revision: 1,
      today,
    });
    await admin.json("PUT", `/admin/orgs/${o.org}/schedules/wards`, body);
  }
  const paths = new Map<string, string[]>();
  const feeds: FeedTarget[] = [];
  for (const { org } of orgs) {
    const list: string[] = [];
    for (let i = 0; i < PEOPLE_PER_ORG; i++) {
      const { feed } = await admin.json<{ feed: FeedInfo }>("GET", `/admin/orgs/${org}/people/p${i}`);
      const path = new URL(feed.url).pathname;
      list.push(path);
      feeds.push({ path, etag: feed.etag, lastModified: feed.lastModified });
    }
    paths.set(org, list);
  }
  // A third hospital whose links are mostly dead, as a shared fetcher keeps polling them: a quarter rotated (the
  // old links dead, the new ones live), then a revision without the other three quarters (their links dead).
  const lapsedPeople = SHARED_FETCHER.dead;
  const rotatedPeople = lapsedPeople / 4;
  const lapsed = (people: number, revision: number) =>
    snapshotOf({
      org: "lapsed",
      tier: "standard",
      schedule: "wards",
      people,
      assignmentsEach: 5,
      revision,
      today,
    });
  await admin.json("PUT", "/admin/orgs/lapsed/schedules/wards", lapsed(lapsedPeople, 1));
  const dead: string[] = [];
  const lapsedLive: string[] = [];
  for (let i = 0; i < lapsedPeople; i++) {
    const { feed } = await admin.json<{ feed: FeedInfo }>("GET", `/admin/orgs/lapsed/people/p${i}`);
    dead.push(new URL(feed.url).pathname);
    if (i < rotatedPeople) {
      const rotated = await admin.json<{ feed: FeedInfo }>("POST", `/admin/orgs/lapsed/people/p${i}/rotate`);
      lapsedLive.push(new URL(rotated.feed.url).pathname);
      feeds.push({ path: lapsedLive[i]!, etag: rotated.feed.etag, lastModified: rotated.feed.lastModified });
    }
  }
  await admin.json("PUT", "/admin/orgs/lapsed/schedules/wards", lapsed(rotatedPeople, 2));
  const schedule = (await admin.json<{ feed: FeedInfo }>("GET", "/admin/orgs/gold/schedules/wards")).feed;
  const department = new URL(schedule.url).pathname;
  feeds.push({ path: department, etag: schedule.etag, lastModified: schedule.lastModified });
  const gold = paths.get("gold")!;
  const tin = paths.get("tin")!;
  const kinds: ClientKind[] = ["apple", "google", "outlook"];
  const half = (n: number) => n / 2;
  const targets: Record<ClientClass, { path: string; kind: ClientKind }[]> = {
    subscriber: [...gold.slice(0, half(SUBSCRIBERS.count)), ...tin.slice(0, half(SUBSCRIBERS.count))].map(
      (path, i) => ({ path, kind: kinds[i % 3]! }),
    ),
    partner: [
      ...gold.slice(100, 100 + half(PARTNER.count)),
      ...tin.slice(100, 100 + half(PARTNER.count)),
    ].map((path) => ({ path, kind: "outlook" })),
    hammer: [{ path: gold[PEOPLE_PER_ORG - 1]!, kind: "outlook" }],
    "retry-enterprise": gold.slice(300, 300 + half(RETRY.count)).map((path) => ({ path, kind: "google" })),
    "retry-standard": tin.slice(300, 300 + half(RETRY.count)).map((path) => ({ path, kind: "google" })),
    slowloris: [],
    "shared-fetcher": [
      ...lapsedLive,
      ...gold.slice(0, (SHARED_FETCHER.live - lapsedLive.length) / 2),
      ...tin.slice(0, (SHARED_FETCHER.live - lapsedLive.length) / 2),
      ...dead,
    ].map((path) => ({ path, kind: "google" })),
    department: [{ path: department, kind: "apple" }],
  };
  return { feeds, targets, deadLinks: dead.length };
}
