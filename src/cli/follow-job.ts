/**
 * Following a job of the admin API (`GET /admin/jobs/{id}`) to its end, for every command that starts one: a
 * regeneration, and a publish the server answered `202` (on Workers, a snapshot listing more people than one
 * batch: the new revision is staged and a job brings its feeds live batch by batch). One loop, one progress bar,
 * one way of saying how a job ended, so `regenerate` and `publish` report the same things the same way.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Job } from "./admin-client.ts";
import type { Progress } from "./progress.ts";
import { terminalLine as safe } from "./terminal-text.ts";

export type { Job };

/** Whether a job has ended (succeeded or failed). */
export const finished = (job: Job): boolean => job.state === "succeeded" || job.state === "failed";

/** `--interval`: milliseconds between polls of a job (at least 50; default 500). */
export function pollInterval(interval: string | undefined): number {
  return Math.max(50, Number(interval) || 500);
}

/**
 * Polls a job every `intervalMs` until it has ended, showing each answer on `bar` (feeds done of the total and
 * the state); answers the job as last seen.
 * @param poll reads the job by id (`GET /admin/jobs/{id}`).
 */
export async function followJob(
  job: Job,
  poll: (id: string) => Promise<Job>,
  bar: Progress,
  intervalMs: number,
): Promise<Job> {
  for (;;) {
    bar.update(job.done, job.total, job.state);
    if (finished(job)) return job;
    await sleep(intervalMs);
    job = await poll(job.id);
  }
}

/** A job's outcome on one line: `job ab12: succeeded, 3/3 feeds, 3 changed`. */
export function describeJob(job: Job): string {
  return `job ${safe(job.id)}: ${safe(job.state)}, ${job.done}/${job.total} feeds, ${job.updated} changed`;
}

/** A job's errors, one indented line each (`  icu: no live schedule …`). */
export function jobErrorLines(job: Job): string[] {
  return (job.errors ?? []).map((e) => `  ${safe(String(e.scope))}: ${safe(String(e.message))}`);
}
