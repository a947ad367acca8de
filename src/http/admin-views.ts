/**
 * The JSON the admin API answers for a person and a schedule (docs/api.md › Admin API), typed by the schemas the
 * OpenAPI document is generated from (`admin-schemas.ts`).
 */
import { ServiceError } from "../core/errors.ts";
import type { FetchLog } from "../core/fetch-log.ts";
import { feedLinks, httpDate } from "../core/links.ts";
import type { FeedService } from "../core/publish/feed-service.ts";
import { personFeedKey, scheduleFeedKey, type FeedKey } from "../core/store/keys.ts";
import { servedLastModified } from "../core/publish/feed-bytes.ts";
import type { FeedView, PersonView, ScheduleView } from "./admin-schemas.ts";

async function feedView(
  service: FeedService,
  publicUrl: string,
  org: string,
  key: FeedKey,
): Promise<FeedView | null> {
  const record = service.feed(org, key);
  if (!record) return null;
  const token = await service.tokenFor(org, key);
  return {
    ...feedLinks(publicUrl, token),
    etag: record.etag,
    lastModified: httpDate(servedLastModified(record, Math.floor(service.deps.clock() / 1000)).lastModified),
    events: record.events,
    bytes: record.size,
  };
}

/** A person's feed link, validators and who polls it. */
export async function personView(
  service: FeedService,
  fetchLog: FetchLog,
  publicUrl: string,
  org: string,
  person: string,
): Promise<PersonView> {
  const key = personFeedKey(person);
  const pieces = service.personSchedules(org, person);
  const feed = pieces.length > 0 ? await feedView(service, publicUrl, org, key) : null;
  if (!feed) throw new ServiceError("not_found", `no person \`${person}\` in \`${org}\``);
  // The name the most recently received schedule gives (the one the calendar name uses).
  const latest = pieces.reduce((a, b) => (b.receivedAt > a.receivedAt ? b : a));
  return {
    org,
    person,
    name: latest.name,
    schedules: pieces.map((p) => p.schedule),
    feed,
    lastFetch: fetchLog.last(org, key),
  };
}

/** A schedule's revision, head count and schedule feed link. */
export async function scheduleView(
  service: FeedService,
  publicUrl: string,
  org: string,
  schedule: string,
): Promise<ScheduleView> {
  const record = service.schedule(org, schedule);
  if (!record || record.retired)
    throw new ServiceError("not_found", `no live schedule \`${schedule}\` in \`${org}\``);
  return {
    org,
    schedule,
    name: record.name,
    timezone: record.timezone,
    revision: record.revision,
    publishedAt: record.publishedAt,
    people: record.people,
    assignments: record.assignments,
    feed: await feedView(service, publicUrl, org, scheduleFeedKey(schedule)),
  };
}
