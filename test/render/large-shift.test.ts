// Regression (issue 6, row 4): one shift with 2,000 people on it on 10 days (a mandatory training) answered 500
// after 28 s ("Invalid string length", 2.65 GB): every event listed every colleague, so descriptions grew with
// the square of the shift. Now an event names the first 10 colleagues by name and counts the rest.
import { beforeAll, describe, expect, it } from "vitest";
import { MAX_LISTED_COLLEAGUES } from "../../src/core/feeds/crews.ts";
import { expandSnapshot } from "../../src/core/feeds/events.ts";
import { personFeedKey, scheduleFeedKey } from "../../src/core/store/keys.ts";
import type { Snapshot } from "../../src/core/snapshot/types.ts";
import { makeSnapshot, vevents, type SnapshotInput } from "../support/server.ts";
import { openService, publish, readFeeds, validSnapshot, type ReadFeed } from "../support/service.ts";

const PEOPLE = 2_000;
const DAYS = 10;
const name = (i: number) => `Dr. ${String(i).padStart(4, "0")}`;

/** Everyone on the training on each of 10 days, listed in reverse name order (the sort must not rely on it). */
function training(people: number, days: number): SnapshotInput {
  const ids = Array.from({ length: people }, (_, i) => people - 1 - i);
  return makeSnapshot({
    people: ids.map((i) => ({ id: `p${i}`, name: name(i) })),
    shifts: [{ id: "train", name: "Mandatory training", start: "09:00", end: "17:00", location: "Hall A" }],
    assignments: Array.from({ length: days }, (_, d) =>
      ids.map((i) => ({ id: `t${d}-${i}`, personId: `p${i}`, shiftId: "train", date: `2026-12-${10 + d}` })),
    ).flat(),
  });
}

/** DESCRIPTION of one event of a feed, unescaped. */
const description = (feed: ReadFeed, uid: string) =>
  (vevents(feed.text).get(`${uid}@icu.acme.shiftfeed`)?.["DESCRIPTION"] ?? "").replace(
    /\\([,;\\nN])/g,
    (_, c: string) => (c === "n" || c === "N" ? "\n" : c),
  );

describe("a shift with 2,000 people on 10 days", () => {
  let snapshot: Snapshot;
  beforeAll(() => {
    snapshot = validSnapshot(training(PEOPLE, DAYS));
  });

  it("expands in linear time and memory: 10 names per event, one shared list for most members", () => {
    const started = performance.now();
    const events = expandSnapshot(snapshot);
    const elapsed = performance.now() - started;
    expect(events).toHaveLength(PEOPLE * DAYS);
    const lists = new Set(events.map((e) => e.facts.colleagues));
    // Per crew: one list for everyone outside the first 11 by name, and one for each of those 11.
    expect(lists.size).toBeLessThanOrEqual(DAYS * (MAX_LISTED_COLLEAGUES + 2));
    for (const e of events) {
      expect(e.facts.colleagues).toHaveLength(MAX_LISTED_COLLEAGUES);
      expect(e.facts.otherColleagues).toBe(PEOPLE - 1 - MAX_LISTED_COLLEAGUES);
    }
    // Generous for a busy machine: 0.2–1.5 s here; the quadratic expansion took 11 s.
    expect(elapsed).toBeLessThan(8_000);
  });

  describe("published", () => {
    let feeds: Map<string, ReadFeed>;
    beforeAll(async () => {
      const t = await openService(Date.parse("2026-11-20T12:00:00Z"));
      await publish(t, training(PEOPLE, DAYS));
      feeds = await readFeeds(t, "acme");
    }, 60_000);

    it("names the first 10 colleagues by name, then counts the others with a thousands separator", () => {
      const first10 = Array.from({ length: 10 }, (_, i) => name(i + 1)).join(", ");
      expect(description(feeds.get(personFeedKey("p0"))!, "t0-0")).toBe(
        `Schedule: Intensive Care\nWith: ${first10} and 1,989 others`,
      );
      const others = Array.from({ length: 10 }, (_, i) => name(i)).join(", ");
      expect(description(feeds.get(personFeedKey("p1500"))!, "t3-1500")).toBe(
        `Schedule: Intensive Care\nWith: ${others} and 1,989 others`,
      );
      expect(description(feeds.get(scheduleFeedKey("icu"))!, "t9-5")).toBe(
        `Schedule: Intensive Care\nWho: ${name(5)}\nWith: ${others.replace(`${name(5)}, `, "")}, ${name(10)} and 1,989 others`,
      );
    });

    it("keeps every feed small: a person feed of 10 events, the schedule feed linear in its 20,000", () => {
      expect(feeds.size).toBe(PEOPLE + 1);
      for (const [key, feed] of feeds) {
        if (key.startsWith("person/")) expect(feed.text.length, key).toBeLessThan(12_000);
      }
      expect(feeds.get(scheduleFeedKey("icu"))!.text.length).toBeLessThan(PEOPLE * DAYS * 700);
    });
  });
});

describe("a shift with 12 people", () => {
  it("says `and 1 other` in the singular", async () => {
    const t = await openService(Date.parse("2026-11-20T12:00:00Z"));
    await publish(t, training(12, 1));
    const feed = (await readFeeds(t, "acme")).get(personFeedKey("p11"))!;
    const names = Array.from({ length: 10 }, (_, i) => name(i)).join(", ");
    expect(description(feed, "t0-11")).toBe(`Schedule: Intensive Care\nWith: ${names} and 1 other`);
  });

  it("lists all 10 colleagues of an 11-person shift with no count", async () => {
    const t = await openService(Date.parse("2026-11-20T12:00:00Z"));
    await publish(t, training(11, 1));
    const feed = (await readFeeds(t, "acme")).get(personFeedKey("p0"))!;
    const names = Array.from({ length: 10 }, (_, i) => name(i + 1)).join(", ");
    expect(description(feed, "t0-0")).toBe(`Schedule: Intensive Care\nWith: ${names}`);
  });
});
