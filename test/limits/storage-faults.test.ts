/**
 * Storage read failures on the real Node server's serving threads (docs/test-checklist.md item 30): a feed whose lookup or
 * body read fails answers `503` with a jittered `Retry-After` — never a `404`, never a `200` with an empty
 * calendar — and serves again as soon as storage does. The store is damaged through a connection of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { get } from "../support/clients.ts";
import { makeSnapshot, startHarness, type Harness } from "../support/server.ts";

describe("item 30: storage read failure on GET", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { SERVE_THREADS: "2" } });
    expect((await h.publish(makeSnapshot())).status).toBe(200);
  });
  afterAll(() => h.close());

  const expectUnavailable = (a: { status: number; headers: Record<string, unknown>; body: Buffer }) => {
    expect(a.status).toBe(503);
    const seconds = Number(a.headers["retry-after"]);
    expect(seconds).toBeGreaterThanOrEqual(5);
    expect(seconds).toBeLessThanOrEqual(35);
    expect(JSON.parse(a.body.toString()).error.code).toBe("unavailable");
    expect(a.body.toString()).not.toContain("BEGIN:VCALENDAR");
  };

  it("a lookup that fails (the feeds table unreadable) → 503 + Retry-After, then 200 once it is back", async () => {
    const path = await h.feedPathOf("acme", "pA");
    // A commit (a rotation of someone else) puts the shared validator index behind the store until its next fill,
    // which cannot read the feeds table either: lookups go to storage, and fail.
    expect((await h.admin("POST", "/admin/orgs/acme/people/pB/rotate")).status).toBe(200);
    h.tamper("ALTER TABLE feeds RENAME TO feeds_away");
    try {
      // Every serving thread has never looked this token up: no cache of its own answers either.
      const answers = await Promise.all(Array.from({ length: 6 }, () => get(h.url + path)));
      for (const a of answers) expectUnavailable(a);
      // The index's fills fail meanwhile, said in one line, not one every time it looks (every 50 ms).
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(h.logs.filter((l) => l.includes('"validator_index_fill_failed"'))).toHaveLength(1);
    } finally {
      h.tamper("ALTER TABLE feeds_away RENAME TO feeds");
    }
    expect((await get(h.url + path)).status).toBe(200);
  });

  it("a body that cannot be read (its blob gone) → 503, never an empty calendar", async () => {
    const path = await h.feedPathOf("acme", "pB");
    h.tamper("ALTER TABLE blobs RENAME TO blobs_away");
    try {
      const answers = await Promise.all(Array.from({ length: 6 }, () => get(h.url + path)));
      for (const a of answers) expectUnavailable(a);
      // A conditional request for the current validators needs no body: still a 304.
      const etag = (await h.admin("GET", "/admin/orgs/acme/people/pB")).json as { feed: { etag: string } };
      expect((await get(h.url + path, { headers: { "if-none-match": etag.feed.etag } })).status).toBe(304);
    } finally {
      h.tamper("ALTER TABLE blobs_away RENAME TO blobs");
    }
    expect((await get(h.url + path)).status).toBe(200);
  });
});
