/**
 * The host's clock set back two days between two publishes, on the real server over a real socket: stamps never go
 * backwards for a feed. Changed events are stamped (`DTSTAMP`, `LAST-MODIFIED`) no earlier than what the feed
 * issued before; the feed's `Last-Modified` is never sent later than `Date` (it is sent as `Date` while the clock
 * is behind the stored stamp, and as the stored stamp again once the clock has caught up), and a client holding the
 * earlier version is never told "not modified" by date.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DAY_MS, T0, makeSnapshot, vevents } from "../support/fixture.ts";
import { startHarness, type Harness } from "../support/server.ts";

const HOUR_MS = 3_600_000;
/** iCalendar UTC stamp → ms. */
const stampMs = (s: string) =>
  Date.UTC(
    +s.slice(0, 4),
    +s.slice(4, 6) - 1,
    +s.slice(6, 8),
    +s.slice(9, 11),
    +s.slice(11, 13),
    +s.slice(13, 15),
  );
/** The VEVENT of an assignment (its UID names it). */
const eventOf = (ics: string, assignment: string) =>
  [...vevents(ics).entries()].find(([uid]) => uid.includes(assignment))?.[1];

describe("the clock set back two days, then a publish", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ now: T0 });
  });
  afterAll(() => h.close());

  it("stamps nothing earlier than before, and never sends Last-Modified after Date", async () => {
    const base = makeSnapshot();
    expect((await h.publish(base)).status).toBe(200);
    h.now = T0 + HOUR_MS;
    const moved = base.assignments.map((a) => (a.id === "a1" ? { ...a, shiftId: "night" } : a));
    expect((await h.publish({ ...base, revision: 2, assignments: moved })).status).toBe(200);
    const path = await h.feedPathOf("acme", "pA");
    const before = await h.feed(path);
    expect(before.status).toBe(200);
    const issued = Date.parse(before.lastModified!);
    expect(issued).toBe(T0 + HOUR_MS);
    const a1Before = eventOf(before.text, "a1")!;
    expect(stampMs(a1Before["DTSTAMP"]!)).toBe(T0 + HOUR_MS);

    // The clock steps back two days; a publish changes a1 again and adds a4.
    h.now = T0 + HOUR_MS - 2 * DAY_MS;
    const again = [
      ...base.assignments.map((a) => (a.id === "a1" ? { ...a, date: "2026-11-28" } : a)),
      { id: "a4", personId: "pA", shiftId: "day", date: "2026-11-30" },
    ];
    expect((await h.publish({ ...base, revision: 3, assignments: again })).status).toBe(200);
    const after = await h.feed(path);
    expect(after.status).toBe(200);
    expect(after.etag).not.toBe(before.etag);
    const date = Date.parse(String(after.headers.date));
    expect(Date.parse(after.lastModified!)).toBeLessThanOrEqual(date);
    for (const id of ["a1", "a4"]) {
      const event = eventOf(after.text, id)!;
      for (const stamp of ["DTSTAMP", "LAST-MODIFIED"])
        expect(stampMs(event[stamp]!), `${id} ${stamp}`).toBeGreaterThanOrEqual(stampMs(a1Before[stamp]!));
    }
    expect(Number(eventOf(after.text, "a1")!["SEQUENCE"])).toBe(Number(a1Before["SEQUENCE"]) + 1);
    // A client that holds the earlier version and revalidates by date gets the new one.
    const byDate = await h.feed(path, { "if-modified-since": before.lastModified! });
    expect(byDate.status).toBe(200);
    // The new version, revalidated by the date it was sent with, stays fresh.
    expect((await h.feed(path, { "if-none-match": after.etag! })).status).toBe(304);

    // Once the clock has caught up, Last-Modified is the stored stamp again: not earlier than any issued before.
    h.now = T0 + HOUR_MS + 60_000;
    const caught = await h.feed(path);
    expect(Date.parse(caught.lastModified!)).toBeGreaterThanOrEqual(issued);
    expect(Date.parse(caught.lastModified!)).toBeLessThanOrEqual(Date.parse(String(caught.headers.date)));
    expect((await h.feed(path, { "if-modified-since": caught.lastModified! })).status).toBe(304);
    expect((await h.feed(path, { "if-modified-since": before.lastModified! })).status).toBe(200);
  });
});
