/**
 * `shiftfeed regenerate [--org --schedule --person] [--force]`: queues a regeneration and follows its job with a
 * progress bar and an ETA until it finishes (`--no-wait`: just queue it). Exit 1 if the job failed.
 */
import { adminApi, output, seg, type GlobalOptions } from "../context.ts";
import { describeJob, followJob, jobErrorLines, pollInterval, type Job } from "../follow-job.ts";
import { progressBar } from "../progress.ts";

export interface RegenerateOptions extends GlobalOptions {
  org?: string;
  schedule?: string;
  person?: string;
  force?: boolean;
  wait: boolean;
  interval: string;
}

export async function regenerate(options: RegenerateOptions): Promise<void> {
  const { call } = adminApi(options);
  const scope = {
    ...(options.org !== undefined && { org: options.org }),
    ...(options.schedule !== undefined && { schedule: options.schedule }),
    ...(options.person !== undefined && { person: options.person }),
    ...(options.force && { force: true }),
  };
  let { job } = await call<{ job: Job }>("POST", "/admin/regenerate", scope);
  if (options.wait) {
    const bar = progressBar("feeds", !!options.json);
    job = await followJob(
      job,
      (id) => call<Job>("GET", `/admin/jobs/${seg(id)}`),
      bar,
      pollInterval(options.interval),
    );
    bar.stop();
  }
  output(options, job, () => [describeJob(job), ...jobErrorLines(job)].join("\n"));
  if (job.state === "failed") process.exitCode = 1;
}
