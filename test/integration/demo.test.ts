/**
 * The demo fixtures on a first start (`DEMO=1`, empty data dir): every person's and schedule's feed, fetched over
 * HTTP, is RFC 5545 that ical.js parses, with a VTIMEZONE per TZID used, CRLF only and lines of ≤ 75 octets.
 */
import ICAL from "ical.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../support/server.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ demo: true });
});
afterAll(() => h.close());

/** Every format rule a calendar client relies on, checked on one feed body. */
function checkFeed(where: string, bytes: Buffer): number {
  const text = bytes.toString("utf8");
  expect(Buffer.from(text, "utf8").equals(bytes), `${where}: valid UTF-8`).toBe(true);
  expect(text.endsWith("\r\n"), where).toBe(true);
  expect(/\r(?!\n)|(?<!\r)\n/.test(text), `${where}: bare CR or LF`).toBe(false);
  const lines = text.slice(0, -2).split("\r\n");
  for (const line of lines)
    expect(Buffer.byteLength(line, "utf8"), `${where}: ${line}`).toBeLessThanOrEqual(75);
  expect(lines[0]).toBe("BEGIN:VCALENDAR");
  expect(lines.at(-1)).toBe("END:VCALENDAR");
  expect(lines).toContain("METHOD:PUBLISH");

  const calendar = new ICAL.Component(ICAL.parse(text) as unknown[]);
  expect(calendar.name).toBe("vcalendar");
  expect(calendar.getFirstPropertyValue("method")).toBe("PUBLISH");
  const unfolded = text.replace(/\r\n[ \t]/g, "");
  const used = new Set([...unfolded.matchAll(/;TZID=([^;:]+)[;:]/g)].map((m) => m[1]!));
  const defined = calendar
    .getAllSubcomponents("vtimezone")
    .map((tz) => String(tz.getFirstPropertyValue("tzid")));
  expect(defined.length, `${where}: one VTIMEZONE per zone`).toBe(new Set(defined).size);
  expect(new Set(defined), where).toEqual(used);
  for (const tz of calendar.getAllSubcomponents("vtimezone")) {
    expect(tz.getAllSubcomponents().length, `${where}: VTIMEZONE has rules`).toBeGreaterThan(0);
  }
  const events = calendar.getAllSubcomponents("vevent").map((v) => new ICAL.Event(v));
  for (const e of events) {
    expect(e.uid, where).toMatch(/@/);
    expect(e.startDate.compare(e.endDate), `${where}: ${e.uid} ends after it starts`).toBeLessThan(0);
  }
  expect(new Set(events.map((e) => e.uid)).size).toBe(events.length);
  return events.length;
}

describe("demo data (DEMO=1 on an empty data dir)", () => {
  it("loads lakeside and stmarys", () => {
    expect(h.running.demoLoaded).toBe(4);
    expect(h.running.service.orgIds()).toEqual(["lakeside", "stmarys"]);
  });

  it("every person and schedule feed of every org parses and follows the format rules", async () => {
    let feeds = 0;
    let events = 0;
    for (const org of h.running.service.orgIds()) {
      const keys = h.running.service.feedKeys(org);
      expect(keys.length).toBeGreaterThan(1);
      for (const key of keys) {
        const [kind, id] = key.split("/") as [string, string];
        const lookup = await h.admin(
          "GET",
          `/admin/orgs/${org}/${kind === "person" ? "people" : "schedules"}/${id}`,
        );
        expect(lookup.status, `${org}/${key}`).toBe(200);
        const view = lookup.json as { feed: { url: string; etag: string; events: number } };
        const feed = await h.feed(view.feed.url);
        expect(feed.status, `${org}/${key}`).toBe(200);
        expect(feed.headers["content-type"]).toBe("text/calendar; charset=utf-8");
        expect(feed.etag).toBe(view.feed.etag);
        const n = checkFeed(`${org}/${key}`, feed.body);
        expect(n, `${org}/${key}`).toBe(view.feed.events);
        feeds += 1;
        events += n;
      }
    }
    expect(feeds).toBe(43 + 4);
    expect(events).toBeGreaterThan(100);
  });

  it("a restart does not load the demo a second time", async () => {
    const before = h.running.service.feedKeys("stmarys");
    await h.restart();
    expect(h.running.demoLoaded).toBe(0);
    expect(h.running.service.feedKeys("stmarys")).toEqual(before);
  });
});
