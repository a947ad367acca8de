/**
 * `shiftfeed publish <file|dir>`: publishes one snapshot file as it is, or every `*.json` of a folder (a few at a
 * time, with a progress bar), as core scheduling does. In a folder every good file is published whatever the
 * others hold; each file that was not (unreadable, not a snapshot, refused — a `409` included) is named on stderr
 * with its problem, one line each, and the exit code is 1. "Cannot reach" is said only when the server never
 * answered at all.
 */
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import {
  describePublish,
  publishDirectory,
  readSnapshotFile,
  snapshotFiles,
  type PublishSummary,
} from "../publisher.ts";
import {
  adminApi,
  CliFailure,
  failure,
  output,
  seg,
  serverProblem,
  Unreachable,
  UsageError,
  type GlobalOptions,
} from "../context.ts";
import { describeJob, followJob, jobErrorLines, pollInterval, type Job } from "../follow-job.ts";
import { progressBar } from "../progress.ts";
import { terminalLine as safe } from "../terminal-text.ts";
import { snapshotLimit } from "./validate.ts";

interface PublishAnswer {
  revision: number;
  peopleAffected: number;
  feedsUpdated: number;
  unchanged?: boolean;
  /** Answered `202`: the job that brings the new revision's feeds live (its counts are the job's to tell). */
  job?: string;
}

type Api = ReturnType<typeof adminApi>;

/**
 * Throws "cannot reach …" unless the server answers (and takes the token): only then is a file's missing answer
 * that file's problem rather than the server's absence.
 */
async function reachable(api: Api): Promise<void> {
  await api.call("GET", "/admin/search?q=");
}

type PublishCommandOptions = GlobalOptions & { concurrency: string; retrySeconds: string; interval: string };

/** `--retry-seconds`: the longest a file waits out the server's `503`s in all, a whole number of seconds. */
function retrySecondsOf(options: PublishCommandOptions): number {
  const seconds = Number(options.retrySeconds);
  if (!/^\d+$/.test(options.retrySeconds) || seconds > 86_400)
    throw new UsageError("`--retry-seconds` must be a whole number of seconds from 0 to 86400");
  return seconds;
}

/** The line saying a file is tried again after a `503`, with the server's reason. */
function retryLine(file: string, seconds: number, body: string, limit: number): string {
  return (
    `${file}: the server answered ${serverProblem(503, body)}: trying again in ${Math.round(seconds)} s ` +
    `(for up to ${limit} s in all)`
  );
}

export async function publish(path: string, options: PublishCommandOptions): Promise<void> {
  const retrySeconds = retrySecondsOf(options);
  const isDir = (await stat(path).catch(() => null))?.isDirectory() ?? false;
  const limit = snapshotLimit();
  const read = isDir ? null : await readSnapshotFile(path, limit);
  if (read && !read.ok) {
    const hint = /^(is empty|is not|names)/.test(read.problem) ? ": see `shiftfeed validate`" : "";
    throw new CliFailure(`${safe(path)} ${safe(read.problem)}${hint}`);
  }
  if (isDir && snapshotFiles(path).length === 0) {
    // A mistyped folder in a scheduled job must not report success for publishing nothing.
    throw new CliFailure(`no *.json files in ${safe(path)}: nothing to publish`);
  }
  let told = false;
  const api = adminApi(options, {
    maxRetrySeconds: retrySeconds,
    onRetry: (what, seconds, body) => {
      if (told || !what.startsWith("PUT ")) return;
      told = true;
      process.stderr.write(`${safe(retryLine(path, seconds, body, retrySeconds))}\n`);
    },
  });
  await reachable(api);
  if (!read) return publishFolder(path, api, options, limit, retrySeconds);

  const { org, schedule, bytes } = read;
  const answer = await api
    .send<PublishAnswer>("PUT", `/admin/orgs/${seg(org)}/schedules/${seg(schedule)}`, bytes)
    .catch((error: unknown) => {
      if (error instanceof Unreachable)
        throw new CliFailure(`${safe(path)} was not published: no answer from the server: ${error.reason}`);
      throw new CliFailure(`${safe(path)} was refused: ${(error as Error).message}`);
    });
  const what = `${safe(org)}/${safe(schedule)} revision ${answer.revision}`;
  if (answer.job !== undefined)
    return followPublish(path, what, { ...answer, job: answer.job }, api, options);
  output(options, { file: path, ...answer }, () =>
    answer.unchanged
      ? `${what} is already live (identical replay)`
      : `${what}: ${answer.peopleAffected} people affected, ${answer.feedsUpdated} feeds updated`,
  );
}

/**
 * A publish answered `202`: its job is followed with a progress bar until the new revision's feeds are live, and
 * what it did is the job's count of feeds changed (people affected are not counted by a job); exit 1 if it failed.
 */
async function followPublish(
  path: string,
  what: string,
  answer: PublishAnswer & { job: string },
  api: Api,
  options: PublishCommandOptions,
): Promise<void> {
  const poll = (jobId: string) => api.call<Job>("GET", `/admin/jobs/${seg(jobId)}`);
  const bar = progressBar("feeds", !!options.json);
  const job = await followJob(await poll(answer.job), poll, bar, pollInterval(options.interval));
  bar.stop();
  // The staged answer's counts cover the state only: the feeds updated are the job's, people affected unknown.
  const result = { file: path, revision: answer.revision, feedsUpdated: job.updated, job };
  output(options, result, () =>
    [
      job.state === "succeeded"
        ? `${what}: published; ${describeJob(job)}`
        : `${what}: staged, but not every feed was brought up to date; ${describeJob(job)}`,
      ...jobErrorLines(job),
    ].join("\n"),
  );
  if (job.state === "failed") process.exitCode = 1;
}

/** The files of a run that were not published, one line each: the file and its problem. */
function problemLines(summary: PublishSummary): string[] {
  const lines = [
    ...summary.failures.map(({ file, status, body }) =>
      status === 0
        ? `${safe(file)} ${safe(body)}`
        : `${safe(file)} was refused: ${serverProblem(status, body)}`,
    ),
    ...summary.staleFiles.map(({ file, body }) => `${safe(file)} was refused: ${serverProblem(409, body)}`),
  ];
  return lines.sort();
}

async function publishFolder(
  dir: string,
  api: Api,
  options: PublishCommandOptions,
  maxSnapshotBytes: number,
  maxRetrySeconds: number,
) {
  const concurrency = Number(options.concurrency);
  const bar = progressBar("files", !!options.json);
  const files = snapshotFiles(dir).length;
  let filesDone = 0;
  const summary = await publishDirectory({
    url: api.url,
    token: api.token,
    dir,
    concurrency: Number.isInteger(concurrency) && concurrency > 0 ? concurrency : 4,
    maxSnapshotBytes,
    maxRetries: 100,
    maxRetrySeconds,
    jobIntervalMs: pollInterval(options.interval),
    onFileRetry: (file, seconds, body) => bar.note(retryLine(file, seconds, body, maxRetrySeconds)),
    onProgress: (totals, done, total) => {
      filesDone = done;
      bar.update(done, total, describePublish(totals));
    },
    // A file answered `202` shows its job's progress until the next file is done.
    onJobProgress: (file, job) =>
      bar.update(filesDone, files, `${basename(file)}: job ${job.state}, ${job.done}/${job.total} feeds`),
  }).catch((error: unknown) => {
    throw failure(error, api.url);
  });
  bar.stop();
  const problems = problemLines(summary);
  if (!options.json) for (const line of problems) process.stderr.write(`${line}\n`);
  output(options, summary, () => describePublish(summary));
  if (problems.length > 0) process.exitCode = 1;
}
