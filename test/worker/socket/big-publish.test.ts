// Hospital-wide schedules (one rota of every person, drawn by `bigSchedule`) published to the Worker in workerd
// with each isolate's V8 heap capped at 128 MB (Cloudflare's isolate limit): a publish stages the new revision and
// answers 202; its job brings every feed live batch by batch, one Durable Object alarm per batch, and reports
// progress until it succeeds. workerd enforces no CPU limit, so the CPU of each batch is read from the process and
// checked against a budget far below the 30 s default limit of a Durable Object invocation.
//
// Two organizations publishing at once run in one isolate (workerd here runs every object of a class in one
// process and isolate, as Cloudflare may): their big work waits its turn at the isolate's gate
// (`src/worker/isolate-gate.ts`), which logs each piece of work with its isolate, so the test sees that they did.
//
// `BIG_PUBLISH_HEAP_MB` caps the heap elsewhere, and `BIG_PUBLISH_PEOPLE` / `BIG_PUBLISH_DAYS` size the single
// publish (with `BIG_PUBLISH_MAX_BYTES` over the default limit), to find the lowest cap a size passes under
// (docs/cloudflare.md › Memory has the figures).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bigSchedule } from "../../../bench/fixtures/big-schedule.ts";
import { ADMIN_TOKEN } from "../../support/fixture.ts";
import { raw } from "../../support/server.ts";
import { cpuSeconds, peakRssMiB, workerdPids } from "../../../bench/lib/workerd-cpu.ts";
import { startWorkerd, type WorkerdServer } from "./workerd.ts";

const env = (name: string, fallback: number) => Number(process.env[name] || fallback);
const HEAP_MB = env("BIG_PUBLISH_HEAP_MB", 128);
/** CPU seconds one invocation may use here (a slow, shared machine) before the test calls it too close. */
const STEP_BUDGET_S = 15;
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** A `big_work` log line of the isolate's gate (`src/worker/isolate-gate.ts`). */
interface BigWork {
  org: string;
  isolate: string;
  waitedMs: number;
  ranBeside: boolean;
}

interface Sized {
  people: number;
  days: number;
}
/** About 4 MiB: 5,000 people over four weeks (~44,000 assignments); `BIG_PUBLISH_PEOPLE`/`_DAYS` to measure others. */
const FOUR_MIB: Sized = { people: env("BIG_PUBLISH_PEOPLE", 5_000), days: env("BIG_PUBLISH_DAYS", 28) };
/** Just under 8 MiB, the Worker's default `MAX_SNAPSHOT_BYTES`: 5,000 people over 59 days (~93,000 assignments). */
const EIGHT_MIB: Sized = { people: 5_000, days: 59 };

/** A snapshot's body for an organization; a later revision is drawn with another seed (another rota). */
function bodyOf(org: string, size: Sized, revision = 1): string {
  const today = new Date().toISOString().slice(0, 10);
  return JSON.stringify({ ...bigSchedule({ ...size, today, org, seed: revision }), revision });
}

/** Publishes `body` and follows its job to the end; the figures measured on the way. */
async function publishAndFollow(server: WorkerdServer, pids: number[], org: string, body: string) {
  const started = performance.now();
  const cpu0 = cpuSeconds(pids);
  const put = await raw("PUT", `${server.url}/admin/orgs/${org}/schedules/all-staff`, {
    headers: { ...auth, "content-type": "application/json" },
    body,
  });
  expect(put.status, put.text).toBe(202);
  const publishCpu = cpuSeconds(pids) - cpu0;
  const location = String(put.headers.location);
  const steps: number[] = [];
  let job: { state: string; done: number; total: number; errors: unknown[]; retry?: unknown };
  /** Alarm failures seen while the job ran (an invocation that died, e.g. out of memory, is retried). */
  const failures: unknown[] = [];
  let lastDone = 0;
  let lastCpu = cpuSeconds(pids);
  for (;;) {
    const reply = await raw("GET", server.url + location, { headers: auth });
    // A poll answered 500 ("Network connection lost") means the isolate died under the publish.
    expect(reply.status, reply.text).toBe(200);
    job = reply.json as typeof job;
    if (job.retry !== undefined) {
      // An invocation died (out of memory, say) and the alarm is retrying: the test has its answer.
      failures.push(job.retry);
      break;
    }
    const cpu = cpuSeconds(pids);
    if (job.done !== lastDone) {
      steps.push(cpu - lastCpu);
      lastCpu = cpu;
      lastDone = job.done;
    }
    if (job.state === "succeeded" || job.state === "failed") break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    job,
    failures,
    figures: {
      org,
      heapMB: HEAP_MB,
      bodyMiB: +(body.length / 2 ** 20).toFixed(2),
      seconds: +((performance.now() - started) / 1000).toFixed(1),
      publishRequestCpuS: +publishCpu.toFixed(2),
      maxStepCpuS: +Math.max(...steps).toFixed(2),
      steps: steps.length,
      workerdPeakRssMiB: Math.round(peakRssMiB(pids)),
    },
    publishCpu,
    steps,
  };
}

/** A published person's feed serves, and the schedule lists everyone. */
async function expectLive(server: WorkerdServer, org: string, people: number) {
  const lookup = await raw("GET", `${server.url}/admin/orgs/${org}/people/p000042`, { headers: auth });
  const path = new URL((lookup.json as { feed: { url: string } }).feed.url).pathname;
  const feed = await raw("GET", server.url + path);
  expect(feed.status).toBe(200);
  expect(feed.text).toContain("BEGIN:VEVENT");
  const schedule = await raw("GET", `${server.url}/admin/orgs/${org}/schedules/all-staff`, { headers: auth });
  expect((schedule.json as { people: number }).people).toBe(people);
}

describe(`hospital-wide publishes in workerd under a ${HEAP_MB} MB heap`, () => {
  let server: WorkerdServer;
  let pids: number[];

  beforeAll(async () => {
    const before = process.env["MINIFLARE_WORKERD_V8_FLAGS"];
    process.env["MINIFLARE_WORKERD_V8_FLAGS"] = `--max-heap-size=${HEAP_MB}`;
    // Only the processes this server starts: one an earlier test file of this fork stopped may still be exiting.
    const earlier = new Set(workerdPids());
    try {
      const limit = process.env["BIG_PUBLISH_MAX_BYTES"];
      server = await startWorkerd({}, limit ? { MAX_SNAPSHOT_BYTES: limit } : {});
    } finally {
      if (before === undefined) delete process.env["MINIFLARE_WORKERD_V8_FLAGS"];
      else process.env["MINIFLARE_WORKERD_V8_FLAGS"] = before;
    }
    pids = workerdPids().filter((pid) => !earlier.has(pid));
    expect(pids.length).toBeGreaterThan(0);
    console.log(`workerd processes: ${pids.join(", ")}`);
  }, 60_000);
  afterAll(() => server?.close());

  it(`a ${FOUR_MIB.people.toLocaleString("en-US")}-person snapshot over ${FOUR_MIB.days} days completes batch by batch, with its progress visible`, async () => {
    const body = bodyOf("big", FOUR_MIB);
    const { job, figures, publishCpu, steps, failures } = await publishAndFollow(server, pids, "big", body);
    console.log(`big publish: ${JSON.stringify(figures)}`);
    expect(failures).toEqual([]);
    expect(job.errors).toEqual([]);
    expect(job.state).toBe("succeeded");
    expect(job.done).toBe(FOUR_MIB.people + 1);
    expect(publishCpu).toBeLessThan(STEP_BUDGET_S);
    expect(Math.max(...steps)).toBeLessThan(STEP_BUDGET_S);
    await expectLive(server, "big", FOUR_MIB.people);
  }, 600_000);

  it("two 8 MiB publishes at once, of two organizations in one isolate, take turns and both complete; then a revision 2", async () => {
    const size = EIGHT_MIB;
    const bodies = ["big-a", "big-b"].map((org) => [org, bodyOf(org, size)] as const);
    for (const [, body] of bodies) expect(body.length).toBeGreaterThan(7.5 * 2 ** 20);
    server.harness.clearLogs();
    const results = await Promise.all(bodies.map(([org, body]) => publishAndFollow(server, pids, org, body)));
    const logs = server.harness.getLogs().map((l) => l.message);
    const work = logs.filter((m) => m.includes('"event":"big_work"')).map((m) => JSON.parse(m) as BigWork);
    console.log(`big work: ${work.length} pieces, ${work.filter((w) => w.waitedMs > 0).length} waited`);
    for (const { job, figures, failures } of results) {
      console.log(`big publish at once: ${JSON.stringify(figures)}`);
      expect(failures).toEqual([]);
      expect(job.errors).toEqual([]);
      expect(job.state).toBe("succeeded");
      expect(job.done).toBe(size.people + 1);
    }
    // Both organizations' work ran in one isolate, one piece at a time, never beside another.
    expect(new Set(work.map((w) => w.org))).toEqual(new Set(["big-a", "big-b"]));
    expect(new Set(work.map((w) => w.isolate)).size).toBe(1);
    expect(work.filter((w) => w.ranBeside)).toEqual([]);
    for (const [org] of bodies) await expectLive(server, org, size.people);

    // The next revision, another rota of the same people: the previous revision's history is read beside it.
    const next = await publishAndFollow(server, pids, "big-a", bodyOf("big-a", size, 2));
    console.log(`big publish, revision 2: ${JSON.stringify(next.figures)}`);
    expect(next.failures).toEqual([]);
    expect(next.job.errors).toEqual([]);
    expect(next.job.state).toBe("succeeded");
  }, 1_200_000);
});
