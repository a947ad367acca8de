/**
 * `shiftfeed publish <file|dir>`: publishes one snapshot file as it is, or every `*.json` of a folder (a few at a
 * time, with a progress bar), as core scheduling does. Exit 1 if the server refused any.
 */
import { statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { describePublish, publishDirectory } from "../../../bench/lib/publisher.ts";
import { adminApi, CliFailure, failure, output, seg, type GlobalOptions } from "../context.ts";
import { progressBar } from "../progress.ts";

interface PublishAnswer {
  revision: number;
  peopleAffected: number;
  feedsUpdated: number;
  unchanged?: boolean;
}

export async function publish(path: string, options: GlobalOptions & { concurrency: string }): Promise<void> {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (error) {
    throw new CliFailure(`cannot read ${path}: ${(error as Error).message}`);
  }
  const api = adminApi(options);
  if (isDir) return publishFolder(path, api.url, api.token, options);

  const bytes = new Uint8Array(await readFile(path));
  let head: { organization?: { id?: unknown }; schedule?: { id?: unknown } };
  try {
    head = JSON.parse(new TextDecoder().decode(bytes)) as typeof head;
  } catch {
    throw new CliFailure(`${path} is not JSON: see what is wrong with \`shiftfeed validate ${path}\``);
  }
  const org = String(head.organization?.id ?? "");
  const schedule = String(head.schedule?.id ?? "");
  const answer = await api
    .send<PublishAnswer>("PUT", `/admin/orgs/${seg(org)}/schedules/${seg(schedule)}`, bytes)
    .catch((error: unknown) => {
      throw new CliFailure(`${path} was refused: ${(error as Error).message}`);
    });
  output(options, { file: path, ...answer }, () =>
    answer.unchanged
      ? `${org}/${schedule} revision ${answer.revision} is already live (identical replay)`
      : `${org}/${schedule} revision ${answer.revision}: ${answer.peopleAffected} people affected, ` +
        `${answer.feedsUpdated} feeds updated`,
  );
}

async function publishFolder(
  dir: string,
  url: string,
  token: string,
  options: GlobalOptions & { concurrency: string },
) {
  const concurrency = Number(options.concurrency);
  const bar = progressBar("files", !!options.json);
  const summary = await publishDirectory({
    url,
    token,
    dir,
    concurrency: Number.isInteger(concurrency) && concurrency > 0 ? concurrency : 4,
    onProgress: (totals, done, total) => bar.update(done, total, describePublish(totals)),
  }).catch((error: unknown) => {
    throw failure(error, url);
  });
  bar.stop();
  output(options, summary, () =>
    [
      ...summary.failures.map((f) => `refused ${f.file}: HTTP ${f.status} ${f.body}`),
      describePublish(summary),
    ].join("\n"),
  );
  if (summary.failures.length > 0) process.exitCode = 1;
}
