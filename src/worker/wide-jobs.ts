/**
 * Regenerations without an `org`: one job in every organization's Durable Object, gathered under one id
 * (`~<uuid>`: no organization's job starts with `~`, since ids never hold it) whose member list is kept in R2, so that `GET /admin/jobs/{id}` answers from any isolate. Its
 * progress is the sum of its members', and it shows the `retry` of the member whose alarms failed most in a row.
 * The organizations are asked {@link ORG_PARALLEL} at a time (`in-parallel.ts`), through `org-calls.ts` (an object
 * that cannot answer is a 503).
 */
import type { Job, JobState } from "../core/maintenance/jobs.ts";
import type { RegenerateScope } from "../core/maintenance/maintenance.ts";
import type { WorkerEnv } from "./env.ts";
import { mapInParallel, ORG_PARALLEL } from "./in-parallel.ts";
import { askOrg } from "./org-calls.ts";
import { orgOfJob } from "./org-parts.ts";
import { listOrgs } from "./org-registry.ts";

/** Whether a job id names a wide job (an organization's job id starts with the organization). */
export const isWideJob = (id: string) => id.startsWith("~");

const key = (id: string) => `jobs/${id}`;
/** The ids `regenerateEverywhere` makes; any other asks no storage (a long one is no valid R2 key). */
const WIDE_JOB_ID = /^~[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** One job from the members' jobs: summed progress, the earliest start, the last finish once all finished. */
export function combineJobs(id: string, createdAt: string, members: readonly Job[]): Job {
  const all = (state: JobState) => members.every((m) => m.state === state);
  const finished = members.every((m) => m.state === "succeeded" || m.state === "failed");
  const state: JobState = all("queued")
    ? "queued"
    : !finished
      ? "running"
      : members.some((m) => m.state === "failed")
        ? "failed"
        : "succeeded";
  const times = (pick: (m: Job) => string | null) =>
    members
      .map(pick)
      .filter((t): t is string => t !== null)
      .sort();
  return {
    id,
    state: members.length === 0 ? "succeeded" : state,
    done: members.reduce((n, m) => n + m.done, 0),
    total: members.reduce((n, m) => n + m.total, 0),
    updated: members.reduce((n, m) => n + m.updated, 0),
    createdAt,
    startedAt: times((m) => m.startedAt)[0] ?? null,
    finishedAt: finished ? (times((m) => m.finishedAt).pop() ?? createdAt) : null,
    errors: members.flatMap((m) => m.errors.map((e) => ({ ...e, scope: `${orgOfJob(m.id)}/${e.scope}` }))),
    ...retryOf(members),
  };
}

/** The `retry` of the member whose organization's alarms failed most in a row, its error naming the organization. */
function retryOf(members: readonly Job[]): Pick<Job, "retry"> {
  let worst: Job | null = null;
  for (const m of members) if (m.retry && m.retry.failures > (worst?.retry?.failures ?? 0)) worst = m;
  if (worst === null) return {};
  const retry = worst.retry!;
  return { retry: { ...retry, lastError: `${orgOfJob(worst.id)}: ${retry.lastError}` } };
}

/** Queues a regeneration in every organization and returns the wide job. */
export async function regenerateEverywhere(env: WorkerEnv, scope: RegenerateScope): Promise<Job> {
  const id = `~${crypto.randomUUID()}`;
  const createdAt = new Date().toISOString();
  const orgs = await listOrgs(env.FEEDS);
  const members = await mapInParallel(orgs, ORG_PARALLEL, (org) =>
    askOrg(env, org, (object) => object.regenerate({ ...scope, org })),
  );
  await env.FEEDS.put(key(id), JSON.stringify({ createdAt, members: members.map((m) => m.id) }));
  return combineJobs(id, createdAt, members);
}

/** A wide job's progress, or `null` when unknown (or a member expired). */
export async function wideJob(env: WorkerEnv, id: string): Promise<Job | null> {
  if (!WIDE_JOB_ID.test(id)) return null;
  const object = await env.FEEDS.get(key(id));
  if (object === null) return null;
  const { createdAt, members } = (await object.json()) as { createdAt: string; members: string[] };
  const jobs = await mapInParallel(members, ORG_PARALLEL, (member) =>
    askOrg(env, orgOfJob(member)!, (object) => object.job(member)),
  );
  if (jobs.some((job) => job === null)) {
    await env.FEEDS.delete(key(id)); // a member expired: so does the wide job
    return null;
  }
  return combineJobs(id, createdAt, jobs as Job[]);
}
