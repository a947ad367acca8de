/**
 * Publishes a folder of snapshot files into a running shiftfeed over HTTP, the way core scheduling does:
 * `PUT /admin/orgs/{org}/schedules/{schedule}` per file, a bounded number at once, `503`s waited out per their
 * `Retry-After`, asynchronous (`202`) publishes followed until their job finishes.
 */
import { readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createAdminClient, type AdminClient, type Job } from "./admin-client.ts";
import { mapLimit } from "./pool.ts";

export interface PublishOptions {
  /** Base URL of the server. */
  url: string;
  /** The admin bearer token. */
  token: string;
  /** A folder of `*.json` snapshots (other entries are ignored). */
  dir: string;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** Called after each file with the running totals and how many files are done of how many. */
  onProgress?: (progress: PublishSummary, done: number, total: number) => void;
  /** Called when a `503` is waited out. */
  onRetry?: (what: string, seconds: number) => void;
}

/** What a publish run did. */
export interface PublishSummary {
  /** Snapshots the server accepted (`200`/`202`), including identical replays. */
  schedules: number;
  /** Of those, identical replays (`unchanged: true`). */
  unchanged: number;
  /** Refused as not newer than the live revision (`409`). */
  stale: number;
  peopleAffected: number;
  feedsUpdated: number;
  /** `503` answers waited out. */
  retries: number;
  /** Wall-clock seconds from the first request to the last answer. */
  seconds: number;
  /** Files the server refused otherwise, with its answer. */
  failures: { file: string; status: number; body: string }[];
}

interface PublishAnswer {
  peopleAffected?: number;
  feedsUpdated?: number;
  unchanged?: boolean;
  job?: string | Job;
}

/** The `*.json` files of a folder, sorted by name. */
export function snapshotFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(".json"))
    .sort();
}

/** Publishes one snapshot file's bytes; a `202` is followed until its job finishes. */
async function publishFile(admin: AdminClient, file: string, summary: PublishSummary): Promise<void> {
  const bytes = await readFile(file);
  const head = JSON.parse(bytes.toString("utf8")) as {
    organization?: { id?: string };
    schedule?: { id?: string };
  };
  const org = encodeURIComponent(head.organization?.id ?? "");
  const schedule = encodeURIComponent(head.schedule?.id ?? "");
  const { status, text } = await admin.send("PUT", `/admin/orgs/${org}/schedules/${schedule}`, bytes);
  if (status === 409) {
    summary.stale++;
    return;
  }
  if (status !== 200 && status !== 202) {
    summary.failures.push({ file, status, body: text.slice(0, 2000) });
    return;
  }
  const answer = JSON.parse(text) as PublishAnswer;
  summary.schedules++;
  if (answer.unchanged) summary.unchanged++;
  summary.peopleAffected += answer.peopleAffected ?? 0;
  if (status === 202 && answer.job !== undefined) {
    const id = typeof answer.job === "string" ? answer.job : answer.job.id;
    const job = await admin.waitForJob(id);
    summary.feedsUpdated += job.updated ?? answer.feedsUpdated ?? 0;
    if (job.state === "failed")
      summary.failures.push({ file, status, body: JSON.stringify(job.errors ?? []) });
  } else {
    summary.feedsUpdated += answer.feedsUpdated ?? 0;
  }
}

/**
 * Publishes every snapshot file of `options.dir`; resolves when the last answer (and job) is in.
 * @example
 * const s = await publishDirectory({ url: "http://127.0.0.1:8787", token, dir: "bench/.data/one-org-5000-seed1-2027-01-15" });
 * console.log(`${s.schedules} schedules, ${s.feedsUpdated} feeds in ${s.seconds.toFixed(1)} s`);
 */
export async function publishDirectory(options: PublishOptions): Promise<PublishSummary> {
  const files = snapshotFiles(options.dir);
  const summary: PublishSummary = {
    schedules: 0,
    unchanged: 0,
    stale: 0,
    peopleAffected: 0,
    feedsUpdated: 0,
    retries: 0,
    seconds: 0,
    failures: [],
  };
  const admin = createAdminClient({
    url: options.url,
    token: options.token,
    onRetry: (what, seconds) => {
      summary.retries++;
      options.onRetry?.(what, seconds);
    },
  });
  const started = performance.now();
  let done = 0;
  await mapLimit(files, options.concurrency ?? 4, async (name) => {
    await publishFile(admin, join(options.dir, name), summary);
    summary.seconds = (performance.now() - started) / 1000;
    options.onProgress?.(summary, ++done, files.length);
  });
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

/** One line of totals, e.g. `1667 schedules, 100000 people affected, 101667 feeds updated in 812.4 s`. */
export function describePublish(s: PublishSummary): string {
  const extra = [
    s.unchanged ? `${s.unchanged} unchanged` : "",
    s.stale ? `${s.stale} stale (409)` : "",
    s.retries ? `${s.retries} retries after 503` : "",
    s.failures.length ? `${s.failures.length} refused` : "",
  ].filter(Boolean);
  return (
    `${s.schedules} schedules, ${s.peopleAffected} people affected, ${s.feedsUpdated} feeds updated ` +
    `in ${s.seconds.toFixed(1)} s${extra.length ? ` (${extra.join(", ")})` : ""}`
  );
}
