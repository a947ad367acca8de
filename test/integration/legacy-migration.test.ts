/**
 * A data dir of the earlier file layout (`fixtures/legacy-data-dir/`, written by the previous version: two live
 * schedules, one retired, a rotated link) is moved into the database on the first start: every feed answers at
 * its old link with the same bytes, `ETag` and `Last-Modified`, before and after the first roll renders the
 * pieces, and after a restart; the old tree is kept as `store.migrated/`; the next revision moves only what it
 * changed.
 */
import { createHash } from "node:crypto";
import { cp, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../support/render-cases.ts";
import { makeSnapshot, startHarness, vevents, type Harness } from "../support/server.ts";

const FIXTURE = `${ROOT}fixtures/legacy-data-dir/`;

interface Expected {
  now: number;
  expected: Record<string, { path: string; etag: string; lastModified: string; sha256: string }>;
}

describe("a data dir of the earlier layout", () => {
  let h: Harness;
  let fixture: Expected;
  beforeAll(async () => {
    fixture = JSON.parse(await readFile(`${FIXTURE}expected.json`, "utf8")) as Expected;
    h = await startHarness({
      now: fixture.now + 60_000,
      prepare: (dataDir) => cp(`${FIXTURE}store`, join(dataDir, "store"), { recursive: true }),
    });
  });
  afterAll(() => h.close());

  const expectSameFeeds = async () => {
    for (const [feed, want] of Object.entries(fixture.expected)) {
      const reply = await h.feed(want.path);
      expect(reply.status, feed).toBe(200);
      expect(createHash("sha256").update(reply.body).digest("hex"), feed).toBe(want.sha256);
      expect(reply.etag, feed).toBe(want.etag);
      expect(reply.lastModified, feed).toBe(want.lastModified);
    }
  };

  it("serves every feed at its old link with the same bytes and validators, and keeps the old tree", async () => {
    await expectSameFeeds();
    expect((await stat(join(h.dataDir, "store.migrated", "orgs"))).isDirectory()).toBe(true);
    await expect(stat(join(h.dataDir, "store"))).rejects.toThrow();
    // The retired schedule stays retired, its person's feed gone.
    expect((await h.admin("GET", "/admin/orgs/acme/schedules/old")).status).toBe(404);
    expect((await h.admin("GET", "/admin/orgs/acme/people/pD")).status).toBe(404);
  });

  it("still after the first roll has rendered every piece, and after a restart", async () => {
    await h.running.maintenance.roll();
    await expectSameFeeds();
    await h.restart();
    await expectSameFeeds();
    expect(await h.feedPathOf("acme", "pB")).toBe(fixture.expected["person/pB"]!.path); // the rotated link
  });

  it("the next revision moves only the assignment it changed", async () => {
    const path = fixture.expected["person/pA"]!.path;
    const before = vevents((await h.feed(path)).text);
    h.now += 60_000;
    const rev3 = makeSnapshot({
      revision: 3,
      assignments: makeSnapshot().assignments.map((a) =>
        a.id === "a1" ? { ...a, note: "moved" } : a.id === "a3" ? { ...a, note: "leave" } : a,
      ),
    });
    expect((await h.publish(rev3)).status).toBe(200);
    const after = vevents((await h.feed(path)).text);
    const seq = (events: typeof before, uid: string) => events.get(uid)?.["SEQUENCE"];
    expect(seq(after, "a1@icu.acme.shiftfeed")).toBe(seq(before, "a1@icu.acme.shiftfeed"));
    expect(Number(seq(after, "a3@icu.acme.shiftfeed"))).toBe(
      Number(seq(before, "a3@icu.acme.shiftfeed")) + 1,
    );
    expect(seq(after, "e1@er.acme.shiftfeed")).toBe(seq(before, "e1@er.acme.shiftfeed"));
  });
});
