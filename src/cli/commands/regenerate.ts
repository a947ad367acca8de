/**
 * `shiftfeed regenerate [--org --schedule --person] [--force]`: queues a regeneration and follows its job with a
 * progress bar and an ETA until it finishes (`--no-wait`: just queue it). Exit 1 if the job failed.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { adminApi, output, seg, type GlobalOptions } from "../context.ts";
import { progressBar } from "../progress.ts";
import { terminalLine as safe } from "../terminal-text.ts";

interface Job {
  id: string;
  state: "queued" | "running" | "succeeded" | "failed";
  done: number;
  total: number;
  updated: number;
  errors: { scope: string; message: string }[];
}

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
    const interval = Math.max(50, Number(options.interval) || 500);
    for (;;) {
      bar.update(job.done, job.total, job.state);
      if (job.state === "succeeded" || job.state === "failed") break;
      await sleep(interval);
      job = await call<Job>("GET", `/admin/jobs/${seg(job.id)}`);
    }
    bar.stop();
  }
  output(options, job, () =>
    [
      `job ${safe(job.id)}: ${safe(job.state)}, ${job.done}/${job.total} feeds, ${job.updated} changed`,
      ...job.errors.map((e) => `  ${safe(String(e.scope))}: ${safe(String(e.message))}`),
    ].join("\n"),
  );
  if (job.state === "failed") process.exitCode = 1;
}
