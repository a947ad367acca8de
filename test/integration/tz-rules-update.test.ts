/**
 * Time-zone data updates: after the runtime's tz rules change, exactly the feeds of schedules in the zones that
 * moved are rendered again (new instants, new VTIMEZONE, new validators); every other feed keeps its bytes and
 * validators, and the log names the zones that moved. A rule change is simulated by overriding one zone's offsets
 * (`setZoneRulesOverride`) in this thread, where the in-process stack renders.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Logger } from "../../src/core/logger.ts";
import { checkZoneRules, readZoneRules } from "../../src/core/maintenance/zone-rules-check.ts";
import { setZoneRulesOverride } from "../../src/core/time/zone-offsets.ts";
import { ADMIN_TOKEN, T0, feedPath, makeSnapshot } from "../support/server.ts";
import { createStack, type Stack } from "../support/stack.ts";

/** New York an hour ahead from 2026-11-22 on: the kind of change Mexico's end of DST or Morocco's +00 made. */
const MOVED_FROM = Date.UTC(2026, 10, 22);
const newYorkMoves = (zone: string, atMs: number, intl: number) =>
  zone === "America/New_York" && atMs >= MOVED_FROM ? intl + 3600 : intl;

describe("time-zone data updates", () => {
  let stack: Stack;
  const lines: { event: string; fields: Record<string, unknown> }[] = [];
  const logger: Logger = {
    info: (event, fields = {}) => void lines.push({ event, fields }),
    warn: (event, fields = {}) => void lines.push({ event, fields }),
    error: (event, fields = {}) => void lines.push({ event, fields }),
  };
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await stack.app.request(path, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const feedOf = async (person: string) => {
    const found = await admin("GET", `/admin/orgs/acme/people/${person}`);
    return feedPath((found.json as { feed: { url: string } }).feed.url);
  };
  const fetchAll = async () => {
    const out: Record<string, { etag: string | null; body: string }> = {};
    for (const person of ["pA", "pB", "pC", "pD"]) {
      const res = await stack.app.request(await feedOf(person));
      expect(res.status).toBe(200);
      out[person] = { etag: res.headers.get("etag"), body: await res.text() };
    }
    return out;
  };
  const check = (version: string, force = false) =>
    checkZoneRules({ sql: stack.sql, maintenance: stack.maintenance, logger, version, force });

  beforeAll(async () => {
    stack = await createStack({ now: T0, logger });
    expect((await admin("PUT", "/admin/orgs/acme/schedules/icu", makeSnapshot())).status).toBe(200);
    const berlin = makeSnapshot({
      schedule: { id: "er", name: "Emergency", timezone: "Europe/Berlin" },
      people: [
        { id: "pC", name: "Dr. Cy Carter" },
        { id: "pD", name: "Dr. Di Dean" },
      ],
      assignments: [
        { id: "b1", personId: "pC", shiftId: "day", date: "2026-11-25" },
        { id: "b2", personId: "pD", shiftId: "night", date: "2026-11-26" },
      ],
    });
    expect((await admin("PUT", "/admin/orgs/acme/schedules/er", berlin)).status).toBe(200);
  });
  afterEach(() => setZoneRulesOverride(null));

  it("records the version at the first check; zones never recorded are rendered again, unchanged", async () => {
    const before = await fetchAll();
    const change = await check("2026a");
    expect(change).toEqual({
      from: null,
      to: "2026a",
      moved: [],
      unrecorded: ["America/New_York", "Europe/Berlin"],
    });
    expect(lines.find((l) => l.event === "tz_rules_rerendered")?.fields).toEqual({
      zones: ["America/New_York", "Europe/Berlin"],
      feedsUpdated: 0,
    });
    expect(await fetchAll()).toEqual(before); // same rules: same bytes, same validators
    const record = readZoneRules(stack.sql);
    expect(record?.version).toBe("2026a");
    expect(Object.keys(record?.zones ?? {})).toEqual(["America/New_York", "Europe/Berlin"]);
    expect(await check("2026a")).toBeNull(); // same version: nothing to do
  });

  it("re-renders exactly the feeds whose instants changed, and logs the zones that moved", async () => {
    const before = await fetchAll();
    lines.length = 0;
    setZoneRulesOverride(newYorkMoves);
    const change = await check("2026b");
    expect(change).toEqual({ from: "2026a", to: "2026b", moved: ["America/New_York"], unrecorded: [] });
    expect(lines[0]).toEqual({ event: "tz_rules_check", fields: change });
    expect(lines[1]?.event).toBe("tz_rules_rerendered");
    expect(lines[1]?.fields["zones"]).toEqual(["America/New_York"]);

    const after = await fetchAll();
    for (const person of ["pA", "pB"]) {
      expect(after[person]!.etag).not.toBe(before[person]!.etag);
      expect(after[person]!.body).not.toBe(before[person]!.body);
    }
    // The new VTIMEZONE carries the new offset from 2026-11-22 (00:00 UTC, 19:00 the day before in New York), so
    // the shift at 07:00 local on 11-25 is an hour earlier in UTC.
    const moved = "DTSTART:20261121T190000\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\n";
    expect(before.pA!.body).not.toContain(moved);
    expect(after.pA!.body).toContain(moved);
    for (const person of ["pC", "pD"]) expect(after[person]).toEqual(before[person]);
    expect(readZoneRules(stack.sql)?.version).toBe("2026b");
  });

  it("a forced check on the same version compares the rules again and renders nothing when none moved", async () => {
    setZoneRulesOverride(newYorkMoves); // still the rules the feeds were rendered with
    const before = await fetchAll();
    lines.length = 0;
    const change = await check("2026b", true);
    expect(change).toEqual({ from: "2026b", to: "2026b", moved: [], unrecorded: [] });
    expect(lines.map((l) => l.event)).toEqual(["tz_rules_check"]);
    expect(await fetchAll()).toEqual(before);
  });

  it("a failed re-rendering leaves the record as it was, so the next start checks again", async () => {
    lines.length = 0;
    const failing = {
      rerenderZones: () => Promise.reject(new Error("disk I/O error")),
    };
    setZoneRulesOverride(null); // back to the runtime's rules: New York moved again
    await expect(
      checkZoneRules({ sql: stack.sql, maintenance: failing, logger, version: "2026c", force: false }),
    ).rejects.toThrow("disk I/O error");
    expect(readZoneRules(stack.sql)?.version).toBe("2026b");
    const change = await check("2026c");
    expect(change?.moved).toEqual(["America/New_York"]);
    expect(readZoneRules(stack.sql)?.version).toBe("2026c");
  });
});
