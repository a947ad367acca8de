/**
 * One run of the storm (`TIMELINE`): every class of clients in a process of its own against `clientUrl`, while a
 * large schedule is published to shiftfeed and every feed is regenerated. The load test runs it twice: against
 * shiftfeed, then against nginx serving the same bytes (with the same publish and regeneration running in
 * shiftfeed beside it, so the machine carries the same work), which shows the ceiling of this machine.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { AdminClient } from "../../src/cli/admin-client.ts";
import { startChild, stopChild, type Child } from "../lib/processes.ts";
import { REPO_ROOT } from "../lib/server-process.ts";
import { LARGE, snapshotOf } from "./data.ts";
import { CLASSES, TIMELINE, type ClientClass, type ClientJob, type ClientKind, type Sample } from "./plan.ts";

export interface PhaseOptions {
  /** Names the phase's files. */
  label: string;
  /** Where the clients send their requests. */
  clientUrl: string;
  /** shiftfeed, which takes the publish and the regeneration (and the health samples when `sampleHealth`). */
  serverUrl: string;
  admin: AdminClient;
  work: string;
  targets: Record<ClientClass, { path: string; kind: ClientKind }[]>;
  /** The schedule id of the large publish (a new one each phase, so each is a whole publish). */
  largeSchedule: string;
  today: string;
  sampleHealth: boolean;
  log: (line: string) => void;
}

export interface HealthSample {
  t: number;
  shedding: boolean;
  inflight: number;
}

export interface PhaseResult {
  t0: number;
  results: Map<ClientClass, Sample[]>;
  health: HealthSample[];
  published: { status: number; seconds: number };
  regen: { state: string; total: number; seconds: number; errors: string[] };
}

/** Runs the storm once; resolves when every client process is done. */
export async function runPhase(o: PhaseOptions): Promise<PhaseResult> {
  const t0 = Date.now() + 3000; // time for the client processes to start
  // Each job goes in a file (it holds feed links, which do not belong on a command line).
  const children: { cls: ClientClass; out: string; child: Child }[] = CLASSES.map((cls) => {
    const out = join(o.work, `${o.label}-${cls}.json`);
    const job: ClientJob = { cls, url: o.clientUrl, t0, targets: o.targets[cls], out };
    const jobFile = join(o.work, `${o.label}-${cls}.job.json`);
    writeFileSync(jobFile, JSON.stringify(job));
    const child = startChild(process.execPath, [join(REPO_ROOT, "bench/loadtest/client.ts"), jobFile], {
      logFile: join(o.work, `${o.label}-${cls}.log`),
    });
    return { cls, out, child };
  });
  try {
    const at = (second: number) => sleep(Math.max(0, t0 + second * 1000 - Date.now()));
    const health: HealthSample[] = [];
    let sampling = o.sampleHealth;
    const sampler = (async () => {
      while (sampling) {
        try {
          const res = await fetch(`${o.serverUrl}/healthz`, { signal: AbortSignal.timeout(5000) });
          const body = (await res.json()) as { limits?: { shedding: boolean; inflight: number } };
          health.push({
            t: (Date.now() - t0) / 1000,
            shedding: body.limits?.shedding ?? false,
            inflight: body.limits?.inflight ?? 0,
          });
        } catch {
          health.push({ t: (Date.now() - t0) / 1000, shedding: true, inflight: -1 });
        }
        await sleep(500);
      }
    })();
    o.log(`${o.label}: ${TIMELINE.end} s; storm from ${TIMELINE.stormStart} s to ${TIMELINE.stormEnd} s`);
    await at(TIMELINE.publishAt);
    const large = snapshotOf({
      org: "big",
      tier: "standard",
      schedule: o.largeSchedule,
      ...{ people: LARGE.people, assignmentsEach: LARGE.assignmentsEach },
      revision: 1,
      today: o.today,
    });
    const publishStarted = performance.now();
    const seconds = (since: number) => (performance.now() - since) / 1000;
    const publishing = o.admin
      .send("PUT", `/admin/orgs/big/schedules/${o.largeSchedule}`, large)
      .then((r) => ({ status: r.status, seconds: seconds(publishStarted) }))
      .catch(() => ({ status: 0, seconds: seconds(publishStarted) }));
    await at(TIMELINE.regenerateAt);
    const regenStarted = performance.now();
    const { job } = await o.admin.json<{ job: { id: string } }>(
      "POST",
      "/admin/regenerate",
      JSON.stringify({ force: true }),
    );
    const regenerated = o.admin
      .waitForJob(job.id)
      .then((j) => ({
        state: j.state as string,
        total: j.total,
        seconds: seconds(regenStarted),
        errors: (j.errors ?? []).map((e) => JSON.stringify(e)),
      }))
      .catch((error: unknown) => ({
        state: "failed",
        total: 0,
        seconds: seconds(regenStarted),
        errors: [String(error)],
      }));
    for (const c of children) await c.child.exited;
    sampling = false;
    await sampler;
    const results = new Map<ClientClass, Sample[]>();
    for (const c of children) results.set(c.cls, JSON.parse(readFileSync(c.out, "utf8")) as Sample[]);
    return { t0, results, health, published: await publishing, regen: await regenerated };
  } finally {
    for (const c of children) await stopChild(c.child);
  }
}
