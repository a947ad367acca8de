/**
 * Publishes a folder of snapshot files into a running shiftfeed over HTTP, the way core scheduling does:
 * `PUT /admin/orgs/{org}/schedules/{schedule}` per file, a bounded number at once, `503`s waited out per their
 * `Retry-After`, asynchronous (`202`) publishes followed until their job finishes. One bad file never stops the
 * others: a file that cannot be read or is not a snapshot (a folder named `*.json`, a dangling symbolic link, an
 * empty, binary or truncated file) is named with its problem and never sent; a refused one with the server's answer.
 */
import { readdirSync } from "node:fs";
import { lstat, readlink } from "node:fs/promises";
import { join } from "node:path";
import { DEFAULT_MAX_SNAPSHOT_BYTES } from "../core/config.ts";
import { readBounded } from "../node/bounded-read.ts";
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
  /** The server's snapshot size limit (`MAX_SNAPSHOT_BYTES`): a larger file is refused by its size, unread. */
  maxSnapshotBytes?: number;
  /** Called after each file with the running totals and how many files are done of how many. */
  onProgress?: (progress: PublishSummary, done: number, total: number) => void;
  /** Called when a `503` is waited out. */
  onRetry?: (what: string, seconds: number) => void;
  /**
   * Called when a file's publish is first answered `503` and will be tried again: the file, the wait in seconds
   * and the answer's body (the server's reason). Once per file: further waits of the same file are counted only.
   */
  onFileRetry?: (file: string, seconds: number, body: string) => void;
  /** How many `503`s one file waits out (default 20). */
  maxRetries?: number;
  /** Longest total wait of one file across its `503`s, in seconds (default: no bound beyond `maxRetries`). */
  maxRetrySeconds?: number;
  /** Milliseconds between polls of the job of a publish answered `202` (default 250). */
  jobIntervalMs?: number;
  /** Called with each poll of the job of a publish answered `202`: the file and the job as last seen. */
  onJobProgress?: (file: string, job: Job) => void;
}

/** What a publish run did. */
export interface PublishSummary {
  /** Snapshots the server accepted (`200`/`202`), including identical replays. */
  schedules: number;
  /** Of those, identical replays (`unchanged: true`). */
  unchanged: number;
  /**
   * Of those, answered `202` and followed until their job ended: their feeds updated are the job's count, and
   * their people affected are not counted (a job counts feeds only).
   */
  byJob: number;
  /** Refused as not newer than the live revision (`409`). */
  stale: number;
  /** The files answered `409`, with the server's answer. */
  staleFiles: { file: string; body: string }[];
  peopleAffected: number;
  feedsUpdated: number;
  /** `503` answers waited out. */
  retries: number;
  /** Wall-clock seconds from the first request to the last answer. */
  seconds: number;
  /**
   * Files not published otherwise: refused by the server (its status and answer), or never sent (`status` 0, the
   * problem in `body`: unreadable, not a snapshot, or no answer from the server).
   */
  failures: { file: string; status: number; body: string }[];
}

/** A snapshot file read for publishing: its bytes and the ids it names, or why it cannot be published. */
export type SnapshotFile =
  | { ok: true; bytes: Uint8Array<ArrayBuffer>; org: string; schedule: string }
  | { ok: false; problem: string };

/** Why a file could not be read, in words (a dangling link says where it points). */
async function unreadable(file: string, error: NodeJS.ErrnoException): Promise<string> {
  if (error.code === "EISDIR") return "is a folder, not a snapshot file";
  if (error.code === "EACCES") return "cannot be read: permission denied";
  if (error.code === "ENOENT" || error.code === "ELOOP") {
    const link = await lstat(file).catch(() => null);
    if (link?.isSymbolicLink()) {
      const target = await readlink(file).catch(() => "?");
      return `is a symbolic link to ${target}, which cannot be opened (${error.code === "ELOOP" ? "a loop" : "it does not exist"})`;
    }
    return "does not exist";
  }
  return `cannot be read: ${error.message}`;
}

/**
 * Reads a snapshot file and the organization and schedule ids its body names (the publish URL is built from
 * them); every other rule is the server's. Only a regular file of at most `limit` bytes is read (a device, FIFO
 * or socket, or a file over the limit, is named with its problem, unread). Never throws: a problem is answered in
 * words.
 */
export async function readSnapshotFile(
  file: string,
  limit = DEFAULT_MAX_SNAPSHOT_BYTES,
): Promise<SnapshotFile> {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    const read = await readBounded(file, limit);
    if (read.kind === "not-regular") return { ok: false, problem: read.problem };
    if (read.kind === "too-large") {
      return {
        ok: false,
        problem:
          `has ${read.size} bytes, over the limit of ${limit} bytes (MAX_SNAPSHOT_BYTES): the server refuses it ` +
          "with 413, so it was not sent",
      };
    }
    bytes = read.bytes;
  } catch (error) {
    return { ok: false, problem: await unreadable(file, error as NodeJS.ErrnoException) };
  }
  if (bytes.length === 0) return { ok: false, problem: "is empty" };
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, problem: "is not text (binary, or not UTF-8): not a JSON snapshot" };
  }
  if (text.includes("\0"))
    return { ok: false, problem: "is not text (it holds NUL bytes): not a JSON snapshot" };
  let head: { organization?: { id?: unknown }; schedule?: { id?: unknown } } | null;
  try {
    head = JSON.parse(text) as typeof head;
  } catch (error) {
    return { ok: false, problem: `is not valid JSON: ${(error as Error).message}` };
  }
  const org = head?.organization?.id;
  const schedule = head?.schedule?.id;
  if (typeof org !== "string" || typeof schedule !== "string" || org === "" || schedule === "")
    return {
      ok: false,
      problem: "names no `organization.id` and `schedule.id` (strings): not a shiftfeed.snapshot/1 body",
    };
  return { ok: true, bytes, org, schedule };
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

/**
 * Publishes one snapshot file's bytes; a `202` is followed until its job finishes, and a job that failed names
 * the file as not published, with the job's errors.
 */
async function publishFile(
  admin: AdminClient,
  file: string,
  summary: PublishSummary,
  options: PublishOptions,
): Promise<void> {
  const { maxSnapshotBytes: limit, onFileRetry } = options;
  const read = await readSnapshotFile(file, limit);
  if (!read.ok) {
    summary.failures.push({ file, status: 0, body: read.problem });
    return;
  }
  const org = encodeURIComponent(read.org);
  const schedule = encodeURIComponent(read.schedule);
  let answer: { status: number; text: string };
  try {
    let told = false;
    answer = await admin.send(
      "PUT",
      `/admin/orgs/${org}/schedules/${schedule}`,
      read.bytes,
      (seconds, body) => {
        if (!told) onFileRetry?.(file, seconds, body);
        told = true;
      },
    );
  } catch (error) {
    summary.failures.push({
      file,
      status: 0,
      body: `no answer from the server: ${(error as Error).message}`,
    });
    return;
  }
  const { status, text } = answer;
  if (status === 409) {
    summary.stale++;
    summary.staleFiles.push({ file, body: text.slice(0, 2000) });
    return;
  }
  if (status !== 200 && status !== 202) {
    summary.failures.push({ file, status, body: text.slice(0, 2000) });
    return;
  }
  const published = JSON.parse(text) as PublishAnswer;
  summary.schedules++;
  if (published.unchanged) summary.unchanged++;
  if (status === 202 && published.job !== undefined) {
    summary.byJob++;
    const id = typeof published.job === "string" ? published.job : published.job.id;
    const job = await admin.waitForJob(id, (seen) => options.onJobProgress?.(file, seen), {
      intervalMs: options.jobIntervalMs ?? 250,
    });
    summary.feedsUpdated += job.updated ?? 0;
    if (job.state !== "succeeded") {
      const errors = job.errors ?? [];
      summary.failures.push({
        file,
        status: 0,
        body:
          `was staged, but job ${job.id} ${job.state === "failed" ? "failed" : `is still ${job.state}`}: ` +
          `${job.done}/${job.total} feeds` +
          errors.map((e) => `; ${String(e.scope)}: ${String(e.message)}`).join(""),
      });
    }
  } else {
    summary.peopleAffected += published.peopleAffected ?? 0;
    summary.feedsUpdated += published.feedsUpdated ?? 0;
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
    byJob: 0,
    stale: 0,
    staleFiles: [],
    peopleAffected: 0,
    feedsUpdated: 0,
    retries: 0,
    seconds: 0,
    failures: [],
  };
  const admin = createAdminClient({
    url: options.url,
    token: options.token,
    ...(options.maxRetries !== undefined && { maxRetries: options.maxRetries }),
    ...(options.maxRetrySeconds !== undefined && { maxRetrySeconds: options.maxRetrySeconds }),
    onRetry: (what, seconds) => {
      summary.retries++;
      options.onRetry?.(what, seconds);
    },
  });
  const started = performance.now();
  let done = 0;
  await mapLimit(files, options.concurrency ?? 4, async (name) => {
    const file = join(options.dir, name);
    await publishFile(admin, file, summary, options);
    summary.seconds = (performance.now() - started) / 1000;
    options.onProgress?.(summary, ++done, files.length);
  });
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

/** A file not published, on one line: `x.json is empty`, `x.json was refused: HTTP 422 {…}`. */
export function describeFailure(f: PublishSummary["failures"][number]): string {
  return f.status === 0 ? `${f.file} ${f.body}` : `${f.file} was refused: HTTP ${f.status} ${f.body}`;
}

/** One line of totals, e.g. `1667 schedules, 100000 people affected, 101667 feeds updated in 812.4 s`. */
export function describePublish(s: PublishSummary): string {
  const extra = [
    s.unchanged ? `${s.unchanged} unchanged` : "",
    s.byJob ? `${s.byJob} published by a job, their people not counted` : "",
    s.stale ? `${s.stale} stale (409)` : "",
    s.retries ? `${s.retries} retries after 503` : "",
    s.failures.length ? `${s.failures.length} not published` : "",
  ].filter(Boolean);
  return (
    `${s.schedules} schedules, ${s.peopleAffected} people affected, ${s.feedsUpdated} feeds updated ` +
    `in ${s.seconds.toFixed(1)} s${extra.length ? ` (${extra.join(", ")})` : ""}`
  );
}
