/**
 * One organization's damaged data never stops the others: with its schedule state unreadable and one of its
 * feed bodies gone bad, every other organization keeps serving, publishing and regenerating; the damaged
 * organization's intact feeds keep serving too, the bad body answers `503` (never an empty calendar), and a
 * regeneration names the organization it could not re-derive.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeSnapshot, startHarness, type Harness } from "../support/server.ts";

describe("a damaged organization", () => {
  let h: Harness;
  const other = (revision = 1) =>
    makeSnapshot({ organization: { id: "other", name: "Other Hospital" }, revision });
  beforeAll(async () => {
    h = await startHarness();
    expect((await h.publish(makeSnapshot())).status).toBe(200);
    expect((await h.publish(other())).status).toBe(200);
  });
  afterAll(() => h.close());

  it("leaves every other organization serving, publishing and regenerating", async () => {
    const good = await h.feedPathOf("other", "pA");
    const intact = await h.feedPathOf("acme", "pB");
    const broken = await h.feedPathOf("acme", "pA");
    const before = await h.feed(good);
    await h.restart(); // cold caches: every body comes from the database
    h.tamper(`
      UPDATE blobs SET bytes = x'00010203' WHERE key LIKE 's/acme/%';
      UPDATE blobs SET bytes = x'1f8b0800' WHERE key = (SELECT body_key FROM feeds WHERE org = 'acme' AND feed = 'person/pA');
    `);
    expect((await h.feed(good)).text).toBe(before.text);
    expect((await h.feed(intact)).status).toBe(200);
    const bad = await h.feed(broken);
    expect(bad.status).toBe(503);
    expect(Number(bad.headers["retry-after"])).toBeGreaterThan(0);

    const queued = await h.admin("POST", "/admin/regenerate", {});
    const id = (queued.json as { job: { id: string } }).job.id;
    let job: { state: string; errors: { scope: string }[] } = { state: "queued", errors: [] };
    while (job.state === "queued" || job.state === "running") {
      await new Promise((r) => setTimeout(r, 25));
      job = (await h.admin("GET", `/admin/jobs/${id}`)).json as typeof job;
    }
    expect(job.state).toBe("failed");
    expect(job.errors.map((e) => e.scope)).toEqual(["acme/icu"]);

    h.now += 60_000;
    expect((await h.publish(other(2))).status).toBe(200);
    expect((await h.feed(good)).status).toBe(200);
  });
});
