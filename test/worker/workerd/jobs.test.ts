// Work bigger than one invocation, inside workerd: a publish that fans out answers 202 and its job reports
// progress from storage (also after the Durable Object is evicted mid-job), the edge holds exactly the live
// tokens at the end, regenerations (one organization, or all of them) and the cron roll run as jobs.
import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { rollEverywhere } from "../../../src/worker/roll-everywhere.ts";
import { listOrgs } from "../../../src/worker/org-registry.ts";
import { makeSnapshot, T0, type SnapshotInput } from "../../support/fixture.ts";
import { admin, call, feedPathOf, orgObject, publish, setClock, settle } from "./support.ts";

const DAY = 86_400_000;

/** A schedule of `people` people, each on one day shift a day for a week. */
function crowd(org: string, people: number, revision = 1): SnapshotInput {
  const ids = Array.from({ length: people }, (_, i) => `p${i}`);
  return makeSnapshot({
    organization: { id: org, name: "Crowd Hospital", tier: "standard" },
    revision,
    people: ids.map((id) => ({ id, name: `Dr. ${id}` })),
    assignments: ids.flatMap((id, i) =>
      Array.from({ length: 7 }, (_, d) => ({
        id: `a${i}-${d}`,
        personId: id,
        shiftId: (i + d + revision) % 3 === 0 ? "night" : "day",
        date: `2026-11-${21 + d}`,
      })),
    ),
  });
}

/** Hashes of the live tokens in an organization's Durable Object, and the `feeds/` keys in R2. */
async function liveAndEdge(org: string): Promise<[string[], string[]]> {
  const live = await runInDurableObject(orgObject(org), (_o, state) =>
    state.storage.sql
      .exec("SELECT token_hash FROM feeds ORDER BY token_hash")
      .toArray()
      .map((r) => `feeds/${String(r["token_hash"])}`),
  );
  const listed = await env.FEEDS.list({ prefix: "feeds/" });
  return [live, listed.objects.map((o) => o.key).sort()];
}

describe("jobs in the Durable Object", () => {
  it("a publish bigger than a batch answers 202; its job survives eviction and ends with every feed live", async () => {
    await setClock("crowd", T0);
    const put = await publish(crowd("crowd", 600));
    expect(put.status, put.text).toBe(202);
    const { job } = put.json as { job: string; revision: number };
    expect(put.headers.get("location")).toBe(`/admin/jobs/${job}`);
    expect(job.startsWith("crowd~")).toBe(true);
    // The alarm runs the batches on its own; the job's progress is read between them (each step ends with
    // awaited R2 writes, where other requests get in), then the object is evicted mid-job.
    type Progress = { state: string; done: number; total: number };
    const seen: Progress[] = [];
    for (let polls = 0; polls < 10_000; polls++) {
      const progress = (await admin("GET", `/admin/jobs/${job}`)).json as Progress;
      seen.push(progress);
      if (progress.done > 0 || progress.state === "succeeded") break;
      await scheduler.wait(2);
    }
    expect(seen[0]).toMatchObject({ total: 601 });
    expect(["queued", "running"]).toContain(seen[0]!.state);
    const partway = seen.at(-1)!;
    expect(partway).toMatchObject({ state: "running", total: 601 });
    expect(partway.done).toBeGreaterThan(0);
    expect(partway.done).toBeLessThan(601);
    await evictDurableObject(orgObject("crowd"));
    await setClock("crowd", T0);
    await settle("crowd");
    const done = (await admin("GET", `/admin/jobs/${job}`)).json as { state: string; done: number };
    expect(done).toMatchObject({ state: "succeeded", done: 601 });
    expect((await call("GET", await feedPathOf("crowd", "p599"))).status).toBe(200);
    const [live, edge] = await liveAndEdge("crowd");
    expect(live).toHaveLength(601);
    expect(edge).toEqual(live);
  });

  it("regenerations run as jobs, for one organization and for all of them", async () => {
    // An organization may be called `all`: its jobs are its own, not the wide ones.
    await setClock("all", T0);
    expect((await publish(crowd("all", 20))).status).toBe(200);
    const one = await admin("POST", "/admin/regenerate", { org: "all", force: true });
    expect(one.status, one.text).toBe(202);
    const own = (one.json as { job: { id: string } }).job.id;
    const everywhere = await admin("POST", "/admin/regenerate", undefined);
    expect(everywhere.status, everywhere.text).toBe(202);
    const wide = (everywhere.json as { job: { id: string } }).job.id;
    expect(wide.startsWith("~")).toBe(true);
    for (const org of await listOrgs(env.FEEDS)) await settle(org);
    const job = (await admin("GET", `/admin/jobs/${wide}`)).json as { state: string; total: number };
    expect(job.state).toBe("succeeded");
    expect(job.total).toBeGreaterThanOrEqual(21);
    expect((await admin("GET", `/admin/jobs/${own}`)).json).toMatchObject({
      id: own,
      state: "succeeded",
      done: 21,
    });
    expect((await admin("GET", "/admin/jobs/nobody~x")).status).toBe(404);
    expect((await admin("GET", "/admin/jobs/~x")).status).toBe(404);
  });

  it("a job id the Worker never makes answers 404, however long or odd (never a storage error)", async () => {
    for (const id of [
      `~${"a".repeat(2000)}`,
      `~${crypto.randomUUID()}x`,
      "~%2F..%2Ffeeds",
      "~%00",
      `${"a".repeat(2000)}~${crypto.randomUUID()}`,
      `all~${"a".repeat(5000)}`,
    ]) {
      const reply = await admin("GET", `/admin/jobs/${id}`);
      expect(reply.status, id.slice(0, 40)).toBe(404);
      expect((reply.json as { error: { code: string } }).error.code).toBe("not_found");
    }
  });

  it("the cron roll moves the window once the date has turned", async () => {
    await setClock("rolling", T0);
    expect((await publish(crowd("rolling", 3))).status).toBe(200);
    const path = await feedPathOf("rolling", "p0");
    const before = await call("GET", path);
    await rollEverywhere(env);
    await settle("rolling");
    expect((await call("GET", path)).text).toBe(before.text); // same day: nothing to roll
    // Seventeen days on, the first days of the week fall out of the 14-day past window.
    await setClock("rolling", T0 + 17 * DAY);
    await rollEverywhere(env);
    await settle("rolling");
    const after = await call("GET", path);
    expect(after.text).not.toBe(before.text);
    expect(after.text).not.toContain("20261121");
  });
});
