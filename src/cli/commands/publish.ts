/**
 * `shiftfeed publish <file|dir>`: publishes one snapshot file as it is, or every `*.json` of a folder (a few at a
 * time, with a progress bar), as core scheduling does. In a folder every good file is published whatever the
 * others hold; each file that was not (unreadable, not a snapshot, refused — a `409` included) is named on stderr
 * with its problem, one line each, and the exit code is 1. "Cannot reach" is said only when the server never
 * answered at all.
 */
import { stat } from "node:fs/promises";
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
import { progressBar } from "../progress.ts";
import { terminalLine as safe } from "../terminal-text.ts";
import { snapshotLimit } from "./validate.ts";

interface PublishAnswer {
  revision: number;
  peopleAffected: number;
  feedsUpdated: number;
  unchanged?: boolean;
}

type Api = ReturnType<typeof adminApi>;

/**
 * Throws "cannot reach …" unless the server answers (and takes the token): only then is a file's missing answer
 * that file's problem rather than the server's absence.
 */
async function reachable(api: Api): Promise<void> {
  await api.call("GET", "/admin/search?q=");
}

type PublishCommandOptions = GlobalOptions & { concurrency: string; retrySeconds: string };

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
  output(options, { file: path, ...answer }, () =>
    answer.unchanged
      ? `${safe(org)}/${safe(schedule)} revision ${answer.revision} is already live (identical replay)`
      : `${safe(org)}/${safe(schedule)} revision ${answer.revision}: ${answer.peopleAffected} people affected, ` +
        `${answer.feedsUpdated} feeds updated`,
  );
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
  const summary = await publishDirectory({
    url: api.url,
    token: api.token,
    dir,
    concurrency: Number.isInteger(concurrency) && concurrency > 0 ? concurrency : 4,
    maxSnapshotBytes,
    maxRetries: 100,
    maxRetrySeconds,
    onFileRetry: (file, seconds, body) => bar.note(retryLine(file, seconds, body, maxRetrySeconds)),
    onProgress: (totals, done, total) => bar.update(done, total, describePublish(totals)),
  }).catch((error: unknown) => {
    throw failure(error, api.url);
  });
  bar.stop();
  const problems = problemLines(summary);
  if (!options.json) for (const line of problems) process.stderr.write(`${line}\n`);
  output(options, summary, () => describePublish(summary));
  if (problems.length > 0) process.exitCode = 1;
}
