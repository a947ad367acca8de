/**
 * How feeds evolve across publishes, restarts, regeneration and the daily window roll, seen over real HTTP:
 * unchanged feeds keep bytes and validators (docs/api.md › Feeds), changed events move SEQUENCE/LAST-MODIFIED
 * and keep their UID, and people and schedules leave feeds cleanly (docs/test-checklist.md §A 12, §C 26).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  DAY_MS,
  makeSnapshot,
  startHarness,
  vevents,
  type Harness,
  type SnapshotInput,
} from "../support/server.ts";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

/** Bytes and validators of a feed path. */
async function snap(path: string) {
  const f = await h.feed(path);
  expect(f.status, f.text).toBe(200);
  return { bytes: f.text, etag: f.etag, lastModified: f.lastModified };
}

async function publishOk(snapshot: SnapshotInput) {
  const reply = await h.publish(snapshot);
  expect(reply.status, reply.text).toBe(200);
  return reply.json as { revision: number; peopleAffected: number; feedsUpdated: number };
}

async function schedulePath(org: string, schedule: string): Promise<string> {
  const reply = await h.admin("GET", `/admin/orgs/${org}/schedules/${schedule}`);
  expect(reply.status, reply.text).toBe(200);
  return new URL((reply.json as { feed: { url: string } }).feed.url).pathname;
}

describe("byte stability (docs/api.md › Feeds; docs/test-checklist.md item 12)", () => {
  it("a client holding the old validators gets the new revision with the new ones; others keep their 304", async () => {
    const rev1 = makeSnapshot();
    await publishOk(rev1);
    const pathA = await h.feedPathOf("acme", "pA");
    const pathB = await h.feedPathOf("acme", "pB");
    const a1 = await snap(pathA);
    const b1 = await snap(pathB);

    h.now += 60_000;
    const rev2 = makeSnapshot({
      revision: 2,
      assignments: rev1.assignments.map((a) => (a.id === "a1" ? { ...a, note: "Moved" } : a)),
    });
    await publishOk(rev2);
    const a2 = await snap(pathA);
    expect(a2.etag).not.toBe(a1.etag);

    // Google-style If-None-Match and Apple-style If-Modified-Since with the old validators: full 200, new tag.
    const byTag = await h.feed(pathA, { "if-none-match": a1.etag! });
    expect(byTag.status).toBe(200);
    expect(byTag.etag).toBe(a2.etag);
    expect(byTag.text).toBe(a2.bytes);
    const byDate = await h.feed(pathA, { "if-modified-since": a1.lastModified! });
    expect(byDate.status).toBe(200);
    expect(byDate.lastModified).toBe(a2.lastModified);
    // The untouched feed still answers its subscribers' validators with 304 and no body.
    for (const headers of [{ "if-none-match": b1.etag! }, { "if-modified-since": b1.lastModified! }]) {
      const unchanged = await h.feed(pathB, headers);
      expect(unchanged.status).toBe(304);
      expect(unchanged.body.length).toBe(0);
      expect(unchanged.etag).toBe(b1.etag);
    }
  });

  it("only the changed person's feed changes; the edited event keeps its UID and moves SEQUENCE", async () => {
    const rev1 = makeSnapshot();
    await publishOk(rev1);
    const pathA = await h.feedPathOf("acme", "pA");
    const pathB = await h.feedPathOf("acme", "pB");
    const pathS = await schedulePath("acme", "icu");
    const a1 = await snap(pathA);
    const b1 = await snap(pathB);

    h.now += 3_600_000;
    const rev2 = makeSnapshot({
      revision: 2,
      assignments: rev1.assignments.map((a) =>
        a.id === "a1" ? { ...a, start: "08:00", note: "Late start" } : a,
      ),
    });
    expect(await publishOk(rev2)).toEqual({ revision: 2, peopleAffected: 1, feedsUpdated: 2 });

    expect(await snap(pathB)).toEqual(b1);
    const a2 = await snap(pathA);
    expect(a2.etag).not.toBe(a1.etag);
    expect(Date.parse(a2.lastModified!)).toBeGreaterThan(Date.parse(a1.lastModified!));

    const before = vevents(a1.bytes);
    const after = vevents(a2.bytes);
    expect([...after.keys()]).toEqual([...before.keys()]);
    const edited = after.get("a1@icu.acme.shiftfeed")!;
    const old = before.get("a1@icu.acme.shiftfeed")!;
    expect(old["SEQUENCE"]).toBe("0");
    expect(edited["SEQUENCE"]).toBe("1");
    expect(edited["LAST-MODIFIED"]).not.toBe(old["LAST-MODIFIED"]);
    expect(edited["DTSTAMP"]).not.toBe(old["DTSTAMP"]);
    expect(edited["LAST-MODIFIED"]).toBe("20261120T130000Z");
    const untouched = after.get("a3@icu.acme.shiftfeed")!;
    expect(untouched).toEqual(before.get("a3@icu.acme.shiftfeed"));
    expect(untouched["SEQUENCE"]).toBe("0");

    // Every feed survives a restart byte for byte, with the same validators.
    const all = { a: a2, b: b1, s: await snap(pathS) };
    h.now += 3_600_000;
    await h.restart();
    expect({ a: await snap(pathA), b: await snap(pathB), s: await snap(pathS) }).toEqual(all);
    expect(await h.feedPathOf("acme", "pA")).toBe(pathA);

    // A forced regeneration leaves every byte and validator as it was.
    const started = await h.admin("POST", "/admin/regenerate", {});
    expect(started.status, started.text).toBe(202);
    const { job } = started.json as { job: { id: string } };
    expect(started.headers["location"]).toBe(`/admin/jobs/${job.id}`);
    let state: { state: string; done: number; total: number; errors: unknown[] } | undefined;
    for (let i = 0; i < 200; i++) {
      const reply = await h.admin("GET", `/admin/jobs/${job.id}`);
      expect(reply.status).toBe(200);
      state = reply.json as typeof state;
      if (state!.state === "succeeded" || state!.state === "failed") break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(state).toMatchObject({ state: "succeeded", errors: [] });
    expect(state!.total).toBe(3);
    expect(state!.done).toBe(state!.total);
    expect({ a: await snap(pathA), b: await snap(pathB), s: await snap(pathS) }).toEqual(all);
  });
});

describe("people and schedules leaving feeds (docs/test-checklist.md §C 26)", () => {
  it("a reassigned assignment moves to the new person with the same UID", async () => {
    const rev1 = makeSnapshot();
    await publishOk(rev1);
    const pathA = await h.feedPathOf("acme", "pA");
    const pathB = await h.feedPathOf("acme", "pB");
    expect(vevents((await snap(pathA)).bytes).has("a1@icu.acme.shiftfeed")).toBe(true);

    h.now += 60_000;
    await publishOk(
      makeSnapshot({
        revision: 2,
        assignments: rev1.assignments.map((a) => (a.id === "a1" ? { ...a, personId: "pB" } : a)),
      }),
    );
    const a = vevents((await snap(pathA)).bytes);
    const b = vevents((await snap(pathB)).bytes);
    expect(a.has("a1@icu.acme.shiftfeed")).toBe(false);
    expect(b.get("a1@icu.acme.shiftfeed")).toMatchObject({ SUMMARY: "ICU Day", SEQUENCE: "1" });
  });

  it("a removed assignment disappears without a STATUS:CANCELLED stub", async () => {
    const rev1 = makeSnapshot();
    await publishOk(rev1);
    const pathA = await h.feedPathOf("acme", "pA");
    h.now += 60_000;
    await publishOk(
      makeSnapshot({ revision: 2, assignments: rev1.assignments.filter((a) => a.id !== "a1") }),
    );
    const text = (await snap(pathA)).bytes;
    expect([...vevents(text).keys()]).toEqual(["a3@icu.acme.shiftfeed"]);
    expect(text).not.toContain("CANCELLED");
    expect(text).not.toContain("a1@icu.acme.shiftfeed");
  });

  it("a person in two schedules of one org gets both schedules' events in one feed", async () => {
    await publishOk(makeSnapshot());
    await publishOk(
      makeSnapshot({
        schedule: { id: "ward", name: "Ward", timezone: "Europe/London" },
        people: [{ id: "pA", name: "Dr. Ada Able" }],
        assignments: [{ id: "w1", personId: "pA", shiftId: "day", date: "2026-11-29" }],
      }),
    );
    const text = (await snap(await h.feedPathOf("acme", "pA"))).bytes;
    expect([...vevents(text).keys()].sort()).toEqual([
      "a1@icu.acme.shiftfeed",
      "a3@icu.acme.shiftfeed",
      "w1@ward.acme.shiftfeed",
    ]);
    expect(text).toContain("BEGIN:VTIMEZONE\r\nTZID:America/New_York");
    expect(text).toContain("BEGIN:VTIMEZONE\r\nTZID:Europe/London");
    const person = (await h.admin("GET", "/admin/orgs/acme/people/pA")).json as { feed: { events: number } };
    expect(person.feed.events).toBe(3);
  });

  it("a person removed from every schedule: the feed URL answers the unknown-token 404", async () => {
    const rev1 = makeSnapshot();
    await publishOk(rev1);
    const pathB = await h.feedPathOf("acme", "pB");
    h.now += 60_000;
    await publishOk(
      makeSnapshot({
        revision: 2,
        people: rev1.people.filter((p) => p.id !== "pB"),
        assignments: rev1.assignments.filter((a) => a.personId !== "pB"),
      }),
    );
    const gone = await h.feed(pathB);
    const unknown = await h.feed("/feeds/AAAAAAAAAAAAAAAAAAAAAAAA.ics");
    expect(gone.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(gone.text).toBe(unknown.text);
    expect(gone.headers["content-type"]).toBe(unknown.headers["content-type"]);
    expect((await h.admin("GET", "/admin/orgs/acme/people/pB")).status).toBe(404);
  });

  it("retiring a schedule removes its events everywhere; republishing needs a higher revision", async () => {
    await publishOk(makeSnapshot({ revision: 5 }));
    await publishOk(
      makeSnapshot({
        schedule: { id: "ward", name: "Ward", timezone: "America/New_York" },
        people: [{ id: "pA", name: "Dr. Ada Able" }],
        assignments: [{ id: "w1", personId: "pA", shiftId: "day", date: "2026-11-29" }],
      }),
    );
    const pathA = await h.feedPathOf("acme", "pA");
    const pathB = await h.feedPathOf("acme", "pB");
    const pathIcu = await schedulePath("acme", "icu");
    expect((await h.feed(pathIcu)).status).toBe(200);

    h.now += 60_000;
    const retired = await h.admin("DELETE", "/admin/orgs/acme/schedules/icu");
    expect(retired.status, retired.text).toBe(200);
    expect([...vevents((await snap(pathA)).bytes).keys()]).toEqual(["w1@ward.acme.shiftfeed"]);
    expect((await h.feed(pathB)).status).toBe(404); // pB was only in icu
    expect((await h.feed(pathIcu)).status).toBe(404);
    expect((await h.admin("GET", "/admin/orgs/acme/schedules/icu")).status).toBe(404);
    expect((await h.admin("DELETE", "/admin/orgs/acme/schedules/icu")).status).toBe(404);

    const again = await h.publish(makeSnapshot({ revision: 5 }));
    expect(again.status, again.text).toBe(409);
    expect((again.json as { error: { currentRevision: number } }).error.currentRevision).toBe(5);
    await publishOk(makeSnapshot({ revision: 6 }));
    expect(vevents((await snap(pathA)).bytes).size).toBe(3);
    expect((await h.feed(await h.feedPathOf("acme", "pB"))).status).toBe(200);
  });
});

describe("returning people and racing publishes", () => {
  it("a rotated person who leaves and returns gets the rotated link back, never the old one", async () => {
    const rev1 = makeSnapshot();
    await publishOk(rev1);
    const v1 = await h.feedPathOf("acme", "pB");
    expect((await h.admin("POST", "/admin/orgs/acme/people/pB/rotate")).status).toBe(200);
    const v2 = await h.feedPathOf("acme", "pB");
    await publishOk(
      makeSnapshot({
        revision: 2,
        people: rev1.people.filter((p) => p.id !== "pB"),
        assignments: rev1.assignments.filter((a) => a.personId !== "pB"),
      }),
    );
    expect((await h.feed(v2)).status).toBe(404);
    await publishOk(makeSnapshot({ revision: 3 }));
    expect(await h.feedPathOf("acme", "pB")).toBe(v2);
    expect((await h.feed(v2)).status).toBe(200);
    expect((await h.feed(v1)).status).toBe(404);
  });

  it("two publishes sent at once end on the higher revision (docs/test-checklist.md §D 29)", async () => {
    await publishOk(makeSnapshot());
    const pathA = await h.feedPathOf("acme", "pA");
    const at = (revision: number, date: string) =>
      makeSnapshot({ revision, assignments: [{ id: "a1", personId: "pA", shiftId: "day", date }] });
    const replies = await Promise.all([h.publish(at(7, "2026-12-07")), h.publish(at(6, "2026-12-06"))]);
    expect(replies[0]!.status).toBe(200);
    expect([200, 409]).toContain(replies[1]!.status);
    const schedule = (await h.admin("GET", "/admin/orgs/acme/schedules/icu")).json as { revision: number };
    expect(schedule.revision).toBe(7);
    const text = (await snap(pathA)).bytes;
    expect(text).toContain("DTSTART;TZID=America/New_York:20261207T070000");
    expect(text).not.toContain("20261206T");
  });
});

describe("daily window roll (docs/architecture.md)", () => {
  it("rolls only feeds whose window content changed, once per day", async () => {
    const D = h.now;
    await publishOk(
      makeSnapshot({
        people: [{ id: "pA", name: "Dr. Ada Able" }],
        assignments: [
          { id: "old", personId: "pA", shiftId: "day", date: "2026-10-31" }, // D-20: outside the 14-day past
          { id: "soon", personId: "pA", shiftId: "day", date: "2026-11-25" }, // D+5
        ],
      }),
    );
    const pathA = await h.feedPathOf("acme", "pA");
    const first = await snap(pathA);
    expect([...vevents(first.bytes).keys()]).toEqual(["soon@icu.acme.shiftfeed"]);

    h.now = D + DAY_MS;
    expect(await h.running.maintenance.roll()).toBe(0);
    expect(await snap(pathA)).toEqual(first);

    h.now = D + 20 * DAY_MS; // 11-25 is now 15 days back
    expect(await h.running.maintenance.roll()).toBeGreaterThanOrEqual(1);
    const rolled = await snap(pathA);
    expect(rolled.bytes).not.toContain("BEGIN:VEVENT");
    expect(rolled.etag).not.toBe(first.etag);
    expect(Date.parse(rolled.lastModified!)).toBe(D + 20 * DAY_MS);
    const view = (await h.admin("GET", "/admin/orgs/acme/people/pA")).json as { feed: { events: number } };
    expect(view.feed.events).toBe(0);

    h.now += 3_600_000;
    expect(await h.running.maintenance.roll()).toBe(0);
    expect(await snap(pathA)).toEqual(rolled);
  });
});
