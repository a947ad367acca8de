/**
 * Several serving threads share the port (`SO_REUSEPORT`): a publish or a rotation is visible in every one of
 * them before the admin call returns — the very next request, on whatever thread the kernel hands its connection
 * to, sees it. Each check opens many fresh connections so that every thread answers some of them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFeedTokens } from "../../src/core/tokens.ts";
import { FEED_SECRET, makeSnapshot, raw, startHarness, type Harness } from "../support/server.ts";

/** GETs `path` over `n` fresh connections, all at once; resolves to each answer's status and ETag. */
async function burst(h: Harness, path: string, n = 60) {
  return Promise.all(
    Array.from({ length: n }, () =>
      raw("GET", h.url + path, { headers: { connection: "close" } }).then((r) => ({
        status: r.status,
        etag: r.headers.etag,
      })),
    ),
  );
}

describe("serving threads", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { SERVE_THREADS: "3" } });
    expect((await h.publish(makeSnapshot())).status).toBe(200);
  });
  afterAll(() => h.close());

  it("every thread serves, and a rotated link is dead in all of them as soon as the rotate returns", async () => {
    const old = await h.feedPathOf("acme", "pA");
    for (const r of await burst(h, old)) expect(r.status).toBe(200); // warm every thread's caches
    const rotated = await h.admin("POST", "/admin/orgs/acme/people/pA/rotate");
    expect(rotated.status).toBe(200);
    for (const r of await burst(h, old)) expect(r.status).toBe(404);
    const fresh = await h.feedPathOf("acme", "pA");
    for (const r of await burst(h, fresh)) expect(r.status).toBe(200);
  });

  it("a publish's new bytes are what every thread serves once the publish has answered", async () => {
    const path = await h.feedPathOf("acme", "pB");
    const before = await burst(h, path);
    const etag = before[0]!.etag;
    for (const r of before) expect(r.etag).toBe(etag);
    h.now += 60_000;
    const rev2 = makeSnapshot({
      revision: 2,
      assignments: makeSnapshot().assignments.map((a) => (a.id === "a2" ? { ...a, note: "moved" } : a)),
    });
    expect((await h.publish(rev2)).status).toBe(200);
    const after = await burst(h, path);
    for (const r of after) {
      expect(r.status).toBe(200);
      expect(r.etag).not.toBe(etag);
      expect(r.etag).toBe(after[0]!.etag);
    }
  });

  it("gathers every thread's counters into /metrics and who polled into the person lookup", async () => {
    const path = await h.feedPathOf("acme", "pB");
    await burst(h, path, 30);
    await raw("GET", h.url + path, { headers: { "user-agent": "iOS/18.1 (22B83) dataaccessd/1.0" } });
    const metrics = await h.admin("GET", "/metrics");
    const served = [
      ...metrics.text.matchAll(/^shiftfeed_feed_requests_total\{[^}]*status="200"[^}]*\} (\d+)$/gm),
    ];
    expect(served.reduce((n, m) => n + Number(m[1]), 0)).toBeGreaterThanOrEqual(30);
    const person = (await h.admin("GET", "/admin/orgs/acme/people/pB")).json as {
      lastFetch: { client: string; status: number }[];
    };
    expect(person.lastFetch.map((f) => f.client)).toContain("apple");
  });

  it("once the shared index has caught up with the commits, live feeds, dead links and unknown tokens read no storage", async () => {
    const storeLookups = async () => {
      const text = (await h.admin("GET", "/metrics")).text;
      const line = /^shiftfeed_feed_store_reads_total\{kind="lookup"\} (\d+)$/m.exec(text);
      return Number(line?.[1] ?? 0);
    };
    const rotated = await h.feedPathOf("acme", "pB");
    expect((await h.admin("POST", "/admin/orgs/acme/people/pB/rotate")).status).toBe(200);
    const tokens = await createFeedTokens(new TextEncoder().encode(FEED_SECRET));
    const unknown = async (n: number) =>
      `/feeds/${await tokens.derive({ kind: "person", org: "acme", id: `nobody${n}`, version: 1 })}.ics`;
    const readsFor = async (paths: string[], expected: number[]) => {
      const before = await storeLookups();
      for (const [i, path] of paths.entries())
        for (const r of await burst(h, path, 10)) expect(r.status).toBe(expected[i]);
      return (await storeLookups()) - before;
    };
    // Right after the commit the threads read storage; wait (with tokens no thread has seen) until the index has
    // caught up — on a thread's own caches alone, a token it has not seen since the commit is always a read.
    for (let n = 0; n < 40 && (await readsFor([await unknown(n)], [404])) > 0; n++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    const live = [await h.feedPathOf("acme", "pA"), await h.feedPathOf("acme", "pB")];
    expect(await readsFor([...live, rotated, await unknown(99)], [200, 200, 404, 404])).toBe(0);
  });
});
