/**
 * Publishing measured from outside: a full regeneration (`POST /admin/regenerate`, then the job polled until
 * it finishes) and an incremental publish (one shift time moved in one schedule: how long until the `PUT`
 * answers, and until the changed feed is served with its new `ETag`).
 */
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import type { SnapshotDocument } from "../../src/cli/fixtures/generate.ts";
import type { AdminClient, FeedInfo, Job } from "../../src/cli/admin-client.ts";
import { probe } from "./load.ts";

/** What a full regeneration took. */
export interface RegenerationFigures {
  /** Until the job finished, or until the time limit. */
  seconds: number;
  /** The job as last seen: still `running` when the time limit ran out. */
  job: Job;
}

/**
 * Regenerates every feed and waits for the job, at most `timeoutSeconds`; `onProgress` sees each poll.
 * The job is left running when the time runs out (the server is stopped afterwards anyway).
 */
export async function measureRegeneration(
  admin: AdminClient,
  timeoutSeconds: number,
  onProgress: (job: Job) => void,
  force = false,
): Promise<RegenerationFigures> {
  const started = performance.now();
  const body = force ? '{"force":true}' : "{}";
  const { job } = await admin.json<{ job: Job }>("POST", "/admin/regenerate", body);
  const last = await admin.waitForJob(job.id, onProgress, { intervalMs: 200, timeoutSeconds });
  return { seconds: (performance.now() - started) / 1000, job: last };
}

/** What an incremental publish took. */
export interface IncrementalFigures {
  org: string;
  schedule: string;
  person: string;
  /** The assignment moved, and how. */
  change: string;
  /** `PUT` sent → answer received, in seconds. */
  putSeconds: number;
  /** `PUT` sent → the person's feed served with a new `ETag`, in seconds. */
  liveSeconds: number;
  feedsUpdated: number | null;
  status: number;
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
const hhmm = (m: number) =>
  `${String(Math.floor(m / 60) % 24).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;

/**
 * Moves the start of the first timed assignment on or after `today` `hours` later than in the snapshot file,
 * publishes it as revision file + `hours`, and times the answer and the new feed bytes. Called with 1, then 2, …:
 * each call is the next revision, moving the same shift again.
 * @param feedUrl the server's base URL, where the person's feed is fetched
 */
export async function measureIncrementalPublish(
  admin: AdminClient,
  feedUrl: string,
  file: string,
  today: string,
  hours = 1,
): Promise<IncrementalFigures> {
  const snapshot = JSON.parse(readFileSync(file, "utf8")) as SnapshotDocument;
  const org = snapshot.organization.id;
  const schedule = snapshot.schedule.id;
  const timed = new Map(snapshot.shifts.flatMap((s) => ("start" in s ? [[s.id, s.start] as const] : [])));
  const a = snapshot.assignments.find((x) => x.date >= today && timed.has(x.shiftId) && !x.start && !x.end);
  if (!a) throw new Error(`${file}: no timed assignment on or after ${today} to move`);
  const from = timed.get(a.shiftId)!;
  a.start = hhmm(minutes(from) + 60 * hours);
  snapshot.revision += hours;
  const person = a.personId;

  const lookup = `/admin/orgs/${org}/people/${person}`;
  const before = (await admin.json<{ feed: FeedInfo }>("GET", lookup)).feed;
  const path = new URL(before.url).pathname;
  const started = performance.now();
  const { status, text } = await admin.send(
    "PUT",
    `/admin/orgs/${org}/schedules/${schedule}`,
    JSON.stringify(snapshot),
  );
  const putSeconds = (performance.now() - started) / 1000;
  if (status !== 200 && status !== 202)
    throw new Error(`incremental publish: HTTP ${status} ${text.slice(0, 300)}`);
  const answer = JSON.parse(text) as { feedsUpdated?: number };
  for (;;) {
    const res = await probe(feedUrl, path, { "if-none-match": before.etag, "accept-encoding": "gzip" });
    if (res.status === 200 && res.headers.etag !== before.etag) break;
    if ((performance.now() - started) / 1000 > 600)
      throw new Error("the changed feed was not served within 600 s");
    await sleep(10);
  }
  return {
    org,
    schedule,
    person,
    change: `${a.id} (${a.date}) starts ${a.start} instead of ${from}`,
    putSeconds,
    liveSeconds: (performance.now() - started) / 1000,
    feedsUpdated: answer.feedsUpdated ?? null,
    status,
  };
}
