/**
 * Big partner ranges over real sockets, with serving threads: a hospital-wide schedule (the bench's big-schedule
 * generator, scaled down from 500 people to keep the test short; `bench/partner-ranges.ts` measures full size)
 * read as 12-month ranges, several at once, while a feed is revalidated on fresh connections. Ranges are
 * rendered off the serving threads, so every `304` stays fast; a repeated range comes from the process's cache
 * on any thread; what is written out piece by piece is the same bytes as a fresh render, and valid JSON. And the
 * partner render threads compute wall times with the tz data the server chose, as the feeds do.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bigSchedule } from "../../bench/fixtures/big-schedule.ts";
import { personId } from "../../src/cli/fixtures/people.ts";
import { expandSnapshot } from "../../src/core/feeds/events.ts";
import { renderRange } from "../../src/core/partners/render-range.ts";
import { windowEvents } from "../../src/core/publish/feed-specs.ts";
import { readState } from "../../src/core/publish/schedule-state.ts";
import { scheduleRow } from "../../src/core/store/schedules-table.ts";
import { nodeCodec } from "../../src/node/node-codec.ts";
import { DATABASE_FILE } from "../../src/node/server.ts";
import { openNodeSqlite } from "../../src/node/store/node-sqlite.ts";
import { get, sample, statuses, type Answer } from "../support/clients.ts";
import { makeSnapshot, startHarness, type Harness } from "../support/server.ts";
import { resolveLocalTime } from "../../src/core/time/local-time.ts";
import { join } from "node:path";

const PEOPLE = 200;
const RANGES = ["2026-11-01/2027-10-31", "2026-12-01/2027-11-30", "2027-01-01/2027-12-31"];

describe("partner ranges rendered off the serving threads", () => {
  let h: Harness;
  let key: string;
  let feed: { path: string; etag: string };
  const range = (r: string, format = "json") => {
    const [from, to] = r.split("/");
    return get(`${h.url}/partner/orgs/big/schedules/all-staff.${format}?from=${from}&to=${to}`, {
      headers: { authorization: `Bearer ${key}` },
    });
  };
  const counters = async () => {
    await h.settle();
    const text = (await h.admin("GET", "/metrics")).text;
    return {
      renders: sample(text, "shiftfeed_partner_renders_total"),
      cached: sample(text, "shiftfeed_partner_range_pieces_total", 'source="cache"'),
      cacheBytes: sample(text, "shiftfeed_partner_cache_bytes"),
    };
  };

  beforeAll(async () => {
    h = await startHarness({ env: { SERVE_THREADS: "2", RENDER_THREADS: "2" } });
    const snapshot = bigSchedule({ people: PEOPLE, days: 365, today: "2026-11-20" });
    expect((await h.publish(snapshot as never)).status).toBe(200);
    key = (
      (await h.admin("POST", "/admin/partners", { org: "big", name: "Payroll" })).json as { key: string }
    ).key;
    const path = await h.feedPathOf("big", personId(0));
    feed = { path, etag: String((await h.feed(path)).etag) };
  }, 180_000);
  afterAll(() => h.close());

  it("while 3 twelve-month ranges render at once, every 304 of an unrelated feed stays fast", async () => {
    const polls: Answer[] = [];
    let polling = true;
    // Four pollers on fresh connections, which the kernel spreads over both serving threads.
    const pollers = Array.from({ length: 4 }, async () => {
      while (polling) {
        polls.push(await get(h.url + feed.path, { headers: { "if-none-match": feed.etag } }));
      }
    });
    const answers = await Promise.all(RANGES.map((r) => range(r)));
    polling = false;
    await Promise.all(pollers);
    expect(statuses(answers)).toEqual({ 200: RANGES.length });
    expect(statuses(polls)).toEqual({ 304: polls.length });
    const shortest = Math.min(...answers.map((a) => a.ms));
    const slowest = Math.max(...polls.map((p) => p.ms));
    // A render on a serving thread holds every poll that lands there for the whole render (the time of a range);
    // off the serving threads a poll waits for nothing. Loose, for a loaded machine: a quarter of a range's time.
    expect(
      slowest,
      `slowest 304 ${slowest.toFixed(0)} ms, shortest range ${shortest.toFixed(0)} ms`,
    ).toBeLessThan(Math.max(250, shortest / 4));
    for (const a of answers) expect(JSON.parse(a.body.toString()).events.length).toBeGreaterThan(PEOPLE * 50);
  }, 180_000);

  it("a repeated range comes from the cache on every thread: nothing rendered, its 13 pieces cached", async () => {
    const before = await counters();
    const repeats = [];
    for (let i = 0; i < 6; i++) repeats.push(await range(RANGES[0]!)); // fresh connections: both threads
    const after = await counters();
    expect(statuses(repeats)).toEqual({ 200: 6 });
    expect(after.renders).toBe(before.renders);
    expect(after.cached - before.cached).toBe(6 * 13); // 12 months and the events reaching into the first
    // One copy for the process, within CACHE_MB (64 MiB by default): the 14 months of the three ranges.
    expect(after.cacheBytes).toBeGreaterThan(repeats[0]!.body.byteLength);
    expect(after.cacheBytes).toBeLessThan(2 * repeats[0]!.body.byteLength);
    for (const r of repeats) expect(r.body.equals(repeats[0]!.body)).toBe(true);
  }, 120_000);

  it("what is written out piece by piece is a fresh render's bytes: valid, complete JSON and iCalendar", async () => {
    const sql = openNodeSqlite({ path: join(h.dataDir, DATABASE_FILE) });
    try {
      const row = scheduleRow(sql, "big", "all-staff")!;
      const fresh = (format: "json" | "ics", r: string) => {
        const [from, to] = r.split("/") as [string, string];
        const head = { schedule: row, orgName: "Big Health", range: { from, to }, refreshSeconds: 3600 };
        return renderRange({ ...head, format, sql, codec: nodeCodec });
      };
      const json = await range(RANGES[1]!);
      expect(Buffer.from(await fresh("json", RANGES[1]!)).equals(json.body)).toBe(true);
      expect(Number(json.headers["content-length"])).toBe(json.body.byteLength);
      // Complete: exactly the events touching the range, each once, as a whole expansion finds them.
      const body = JSON.parse(json.body.toString()) as {
        events: { uid: string }[];
        from: string;
        to: string;
      };
      expect(body).toMatchObject({ from: "2026-12-01", to: "2027-11-30", revision: 1 });
      const state = await readState(sql, row.stateKey, nodeCodec);
      const touching = windowEvents(expandSnapshot(state.snapshot), state.history, body);
      const uids = body.events.map((e) => e.uid);
      expect(new Set(uids).size).toBe(uids.length);
      expect(uids.sort()).toEqual(touching.map((e) => e.facts.uid).sort());
      const ics = await range(RANGES[0]!, "ics");
      expect(ics.status).toBe(200);
      expect(Buffer.from(await fresh("ics", RANGES[0]!)).equals(ics.body)).toBe(true);
      const text = ics.body.toString();
      expect(text.startsWith("BEGIN:VCALENDAR\r\n") && text.endsWith("END:VCALENDAR\r\n")).toBe(true);
      expect(text.match(/BEGIN:VEVENT/g)?.length).toBe(text.match(/END:VEVENT/g)?.length);
    } finally {
      sql.close();
    }
  }, 120_000);
});

describe("partner ranges and the host's tz data", () => {
  it("a range's instants come from the tz data the feeds use (the host's, when newer than the runtime's)", async () => {
    // Havana in December 2026: UTC−4 in the tz release 2026f, UTC−5 in earlier ones (Node's own ICU data here).
    const h = await startHarness({ env: { SERVE_THREADS: "2", RENDER_THREADS: "2" } });
    try {
      const snapshot = makeSnapshot({
        schedule: { id: "icu", name: "Intensive Care", timezone: "America/Havana" },
        assignments: [{ id: "a1", personId: "pA", shiftId: "day", date: "2026-12-10" }],
      });
      expect((await h.publish(snapshot)).status).toBe(200);
      const created = await h.admin("POST", "/admin/partners", { org: "acme", name: "Payroll" });
      const answer = await get(
        `${h.url}/partner/orgs/acme/schedules/icu.json?from=2026-12-01&to=2026-12-31`,
        {
          headers: { authorization: `Bearer ${(created.json as { key: string }).key}` },
        },
      );
      expect(answer.status).toBe(200);
      // This thread renders with the tz data the server chose at its start (the harness runs it here).
      const start = resolveLocalTime("2026-12-10", "07:00", "America/Havana").epochMs;
      expect(JSON.parse(answer.body.toString()).events[0].start).toBe(new Date(start).toISOString());
    } finally {
      await h.close();
    }
  }, 60_000);
});
