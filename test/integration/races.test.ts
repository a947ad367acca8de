/**
 * Races (docs/test-checklist.md §D 29, §E 40): revisions delivered out of order, in every order fast-check's scheduler
 * picks, with readers interleaved; and on the real server with two serving and two render threads, concurrent
 * publishes to one organization's schedules (sharing people) racing stale revisions, forced regenerations and
 * readers. Every feed read is whole (one revision per schedule in it, never a mix), the latest revision wins,
 * and once everything settled a regeneration finds nothing to change.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, T0, feedPath, raw, startHarness, type Harness, type Reply } from "../support/server.ts";
import { markedRevision, markersIn } from "../support/marked-revisions.ts";
import { createStack } from "../support/stack.ts";
import { LONG_TESTS } from "../support/long-tests.ts";

/** Asserts a feed holds one revision per schedule and returns it. */
function wholeRevisions(ics: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const [schedule, revs] of markersIn(ics)) {
    expect([...revs], `one revision of ${schedule} in a feed`).toHaveLength(1);
    out.set(schedule, [...revs][0]!);
  }
  return out;
}

describe("out-of-order revisions under fast-check's scheduler (§D 29)", () => {
  it("rev 7 wins whatever the order; rev 6 is applied before it or refused with 409; no feed mixes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (s) => {
        const stack = await createStack({
          now: T0,
          // Each unit starts when the scheduler says, so publishes and reads interleave in its chosen order.
          runner: (inner) => ({
            ...inner,
            publish: (b, t, o) => s.schedule(Promise.resolve(), "unit").then(() => inner.publish(b, t, o)),
          }),
        });
        const request = async (method: string, path: string, body?: unknown) => {
          const res = await stack.app.request(path, {
            method,
            headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          });
          return { status: res.status, text: await res.text() };
        };
        const put = (rev: number, people: string[]) =>
          request("PUT", "/admin/orgs/acme/schedules/icu", markedRevision("icu", rev, people));
        const scheduleFeed = async () => {
          const view = JSON.parse((await request("GET", "/admin/orgs/acme/schedules/icu")).text) as {
            feed: { url: string };
          };
          return feedPath(view.feed.url);
        };

        expect((await s.waitFor(put(5, ["p1", "p2"]))).status).toBe(200);
        const path = await scheduleFeed();

        const seen: number[] = [];
        const read = async () => {
          const res = await request("GET", path);
          expect(res.status).toBe(200);
          seen.push(wholeRevisions(res.text).get("icu")!);
        };
        // Each request starts when the scheduler says (a start that resolves at once: a scheduled function would
        // hold the scheduler until it finished, and it waits for its own scheduled unit).
        const start = (label: string) => s.schedule(Promise.resolve(), label);
        const six = start("send 6").then(() => put(6, ["p1", "p2", "p3"]));
        const seven = start("send 7").then(() => put(7, ["p1", "p3"]));
        const reads = [1, 2, 3].map((i) => start(`read ${i}`).then(read));
        await s.waitFor(Promise.all([six, seven, ...reads]));

        const [r6, r7] = [await six, await seven];
        expect(r7.status, r7.text).toBe(200);
        expect([200, 409]).toContain(r6.status);
        if (r6.status === 409) {
          expect(JSON.parse(r6.text)).toMatchObject({ error: { code: "stale_revision" } });
          expect(r6.text).toContain('"currentRevision":7');
        }
        await read();
        expect(seen.at(-1)).toBe(7);
        // Reads never go backwards once a revision was seen.
        expect(seen).toEqual([...seen].sort((a, b) => a - b));
        const p2 = JSON.parse((await request("GET", "/admin/orgs/acme/people/p2")).text) as unknown;
        expect(p2).toMatchObject({ error: { code: "not_found" } }); // rev 7 no longer lists p2
      }),
      { numRuns: LONG_TESTS ? 300 : 40 },
    );
  });
});

describe("on the real server: concurrent publishes, stale revisions, regenerations and readers", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { SERVE_THREADS: "2", RENDER_THREADS: "2" } });
  });
  afterAll(() => h.close());

  const schedules = ["icu", "er", "ward"];
  const rosterOf = (schedule: string, rev: number) =>
    ["p1", "p2", "p3", "p4", "p5"].filter((_, i) => (i + rev + schedule.length) % 3 !== 0);

  it("every read is whole, the latest revision of every schedule wins, and nothing is left to regenerate", async () => {
    const latest = new Map<string, number>();
    for (const s of schedules) {
      expect((await h.publish(markedRevision(s, 1, rosterOf(s, 1)))).status).toBe(200);
      latest.set(s, 1);
    }
    const path = await h.feedPathOf("acme", "p2");
    let stop = false;
    let reads = 0;
    const reader = async () => {
      while (!stop) {
        const f = await raw("GET", h.url + path);
        // p2 may have left every schedule for a moment (404); a 200 is always whole.
        if (f.status === 200) wholeRevisions(f.text);
        else expect(f.status).toBe(404);
        reads++;
      }
    };
    const readers = [reader(), reader()];
    const rounds = LONG_TESTS ? 30 : 6;
    for (let round = 0; round < rounds; round++) {
      const work: Promise<Reply>[] = [];
      for (const s of schedules) {
        const next = latest.get(s)! + 2;
        // The newer revision and a stale one, sent together from separate connections, in either order.
        const newer = () => h.publish(markedRevision(s, next, rosterOf(s, next)));
        const stale = () => h.publish(markedRevision(s, next - 1, rosterOf(s, next - 1)));
        work.push(...(round % 2 === 0 ? [newer(), stale()] : [stale(), newer()]));
        latest.set(s, next);
      }
      if (round % 3 === 1) work.push(h.admin("POST", "/admin/regenerate", { force: true }));
      for (const reply of await Promise.all(work))
        expect([200, 202, 409], reply.text).toContain(reply.status);
    }
    await waitForIdleJobs(h);
    stop = true;
    await Promise.all(readers);
    expect(reads).toBeGreaterThan(0);

    for (const s of schedules) {
      const view = await h.admin("GET", `/admin/orgs/acme/schedules/${s}`);
      expect((view.json as { revision: number }).revision).toBe(latest.get(s));
    }
    for (const p of ["p1", "p2", "p3", "p4", "p5"]) {
      const listedBy = schedules.filter((s) => rosterOf(s, latest.get(s)!).includes(p));
      const lookup = await h.admin("GET", `/admin/orgs/acme/people/${p}`);
      if (listedBy.length === 0) {
        expect(lookup.status).toBe(404);
        continue;
      }
      const f = await h.feed(await h.feedPathOf("acme", p));
      expect(Object.fromEntries(wholeRevisions(f.text))).toEqual(
        Object.fromEntries(listedBy.map((s) => [s, latest.get(s)])),
      );
    }
    const again = await h.admin("POST", "/admin/regenerate", {});
    const job = await waitForJob(h, (again.json as { job: { id: string } }).job.id);
    expect(job).toMatchObject({ state: "succeeded", updated: 0, errors: [] });
  }, 120_000);
});

interface JobView {
  state: string;
  updated: number;
  errors: unknown[];
}

async function waitForJob(h: Harness, id: string): Promise<JobView> {
  for (let i = 0; i < 2000; i++) {
    const job = (await h.admin("GET", `/admin/jobs/${id}`)).json as JobView;
    if (job.state === "succeeded" || job.state === "failed") return job;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`job ${id} did not finish`);
}

/** Waits until a trivial regeneration runs at once, i.e. every queued one has finished. */
async function waitForIdleJobs(h: Harness): Promise<void> {
  const probe = await h.admin("POST", "/admin/regenerate", { org: "acme", schedule: "icu" });
  await waitForJob(h, (probe.json as { job: { id: string } }).job.id);
}
