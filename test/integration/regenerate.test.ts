/**
 * Regeneration over real sockets: a forced regeneration repairs feed bodies the store lost, and jobs stay
 * visible from the moment they are queued until a while after they finish, with identical queued scopes merged
 * and a bounded queue that answers `503` with `Retry-After` past its bound.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JOB_RETENTION_MS } from "../../src/core/maintenance/jobs.ts";
import { MAX_PENDING_JOBS } from "../../src/core/maintenance/maintenance.ts";
import {
  ADMIN_TOKEN,
  T0,
  makeSnapshot,
  raw,
  serveApp,
  startHarness,
  type Harness,
  type Reply,
} from "../support/server.ts";
import { createStack, Gate, gated } from "../support/stack.ts";

interface JobView {
  id: string;
  state: string;
  done: number;
  total: number;
  updated: number;
  errors: unknown[];
}

/** Polls a job until it has finished. */
async function settle(h: Harness, id: string): Promise<JobView> {
  for (let i = 0; i < 400; i++) {
    const reply = await h.admin("GET", `/admin/jobs/${id}`);
    expect(reply.status, reply.text).toBe(200);
    const job = reply.json as JobView;
    if (job.state === "succeeded" || job.state === "failed") return job;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`job ${id} did not finish`);
}

describe("regeneration repairs a damaged store (issue: bodies lost to a second process)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    expect((await h.publish(makeSnapshot())).status).toBe(200);
  });
  afterAll(() => h.close());

  it("re-creates every missing body with the same bytes and validators, also after a restart", async () => {
    const paths = [await h.feedPathOf("acme", "pA"), await h.feedPathOf("acme", "pB")];
    const before = await Promise.all(paths.map((p) => h.feed(p)));
    const listing = await h.storeListing();
    await h.restart(); // a cold body cache: every read goes to the database
    h.tamper("DELETE FROM blobs WHERE key LIKE 'g/%'"); // every feed body lost
    for (const p of paths) expect((await h.feed(p)).status).toBe(503); // a storage fault, never a 404 or empty feed

    const queued = await h.admin("POST", "/admin/regenerate", {});
    expect(queued.status).toBe(202);
    const job = await settle(h, (queued.json as { job: JobView }).job.id);
    expect(job).toMatchObject({ state: "succeeded", updated: 0, errors: [] });

    for (const restart of [false, true]) {
      if (restart) await h.restart();
      const after = await Promise.all(paths.map((p) => h.feed(p)));
      after.forEach((reply, i) => {
        expect(reply.status).toBe(200);
        expect(reply.etag).toBe(before[i]!.etag);
        expect(reply.lastModified).toBe(before[i]!.lastModified);
        expect(reply.text).toBe(before[i]!.text);
      });
    }
    expect(await h.storeListing()).toEqual(listing);
  });
});

describe("regeneration jobs under a flood (issue: 1,000 POST /admin/regenerate in 3 s)", () => {
  let h: Harness;
  beforeAll(async () => {
    // Jobs render on threads, as in service: the requests keep arriving while earlier jobs wait in the queue, where
    // identical scopes merge (rendered in process, each job is done before the next request is read).
    h = await startHarness({ env: { SERVE_THREADS: "2", RENDER_THREADS: "2" } });
    expect((await h.publish(makeSnapshot())).status).toBe(200);
    const other = makeSnapshot({ schedule: { id: "er", name: "Emergency", timezone: "America/Chicago" } });
    expect((await h.publish(other)).status).toBe(200);
  });
  afterAll(() => h.close());

  it("every job handed out stays visible; identical queued scopes merge; past the bound 503 + Retry-After", async () => {
    const scopes = [{}, { org: "acme" }, { org: "acme", schedule: "icu" }, { org: "acme", person: "pA" }];
    const replies: Reply[] = [];
    for (let i = 0; i < 250; i++) {
      replies.push(
        ...(await Promise.all(scopes.map((scope) => h.admin("POST", "/admin/regenerate", scope)))),
      );
    }
    const statuses = new Set(replies.map((r) => r.status));
    expect(
      [...statuses].every((s) => s === 202 || s === 503),
      [...statuses].join(),
    ).toBe(true);
    const accepted = replies.filter((r) => r.status === 202);
    const refused = replies.filter((r) => r.status === 503);
    for (const r of refused) {
      expect(Number(r.headers["retry-after"])).toBeGreaterThan(0);
      expect((r.json as { error: { code: string } }).error.code).toBe("unavailable");
    }
    const ids = new Set(accepted.map((r) => (r.json as { job: JobView }).job.id));
    // Merging keeps the queue small: far fewer distinct jobs than accepted requests, never more than the bound
    // plus what finished meanwhile.
    expect(ids.size).toBeLessThan(accepted.length);
    for (const r of accepted)
      expect(r.headers.location).toBe(`/admin/jobs/${(r.json as { job: JobView }).job.id}`);
    for (const id of ids) {
      const job = await settle(h, id);
      expect(job.state).toBe("succeeded");
      expect(job.done).toBe(job.total);
    }
    // Still visible a while after finishing, gone after the retention period.
    const last = [...ids].at(-1)!;
    h.now += JOB_RETENTION_MS - 60_000;
    expect((await h.admin("GET", `/admin/jobs/${last}`)).status).toBe(200);
    h.now += 120_000;
    expect((await h.admin("GET", `/admin/jobs/${last}`)).status).toBe(404);
  });
});

describe("the regeneration queue is bounded (runner held busy at a gate)", () => {
  let served: Awaited<ReturnType<typeof serveApp>>;
  const gate = new Gate();
  const release = () => gate.open();

  beforeAll(async () => {
    const { app, service } = await createStack({ now: T0, runner: (inner) => gated(inner, gate) });
    const people = Array.from({ length: 30 }, (_, i) => ({ id: `p${i}`, name: `Dr. ${i}` }));
    const assignments = people.map((p, i) => ({
      id: `a${i}`,
      personId: p.id,
      shiftId: "day",
      date: "2026-11-25",
    }));
    const snapshot = makeSnapshot({ people, assignments });
    await service.publish(new TextEncoder().encode(JSON.stringify(snapshot)), {
      org: "acme",
      schedule: "icu",
    });
    served = await serveApp(app);
  });
  afterAll(async () => {
    release();
    await served.close();
  });

  it("holds the running job plus queued ones up to the bound; the next is 503 with Retry-After", async () => {
    gate.close();
    const post = (scope: object) =>
      raw("POST", `${served.url}/admin/regenerate`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify(scope),
      });
    const accepted: string[] = [];
    for (let i = 0; i < MAX_PENDING_JOBS; i++) {
      const reply = await post({ org: "acme", person: `p${i}` });
      expect(reply.status, reply.text).toBe(202);
      accepted.push((reply.json as { job: JobView }).job.id);
    }
    const over = await post({ org: "acme", person: "p29" });
    expect(over.status).toBe(503);
    expect(Number(over.headers["retry-after"])).toBeGreaterThan(0);
    // The same scope as a queued job joins it rather than being refused.
    const joined = await post({ org: "acme", person: "p5" });
    expect(joined.status).toBe(202);
    expect((joined.json as { job: JobView }).job.id).toBe(accepted[5]);
    // Every handed-out job answers while it waits.
    for (const id of accepted) {
      const reply = await raw("GET", `${served.url}/admin/jobs/${id}`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(reply.status).toBe(200);
      expect(["queued", "running"]).toContain((reply.json as JobView).state);
    }
    release();
  });
});
