// Time-zone data updates on Workers (docs/cloudflare.md › Time-zone data updates): the cron's roll compares the
// runtime's zone rules with the ones an organization's feeds were rendered with, and renders again exactly the
// schedules of the zones that moved; the other feeds keep their bytes, ETag and Last-Modified. A rule change is
// simulated by overriding one zone's offsets (`setZoneRulesOverride`) in the isolate the Durable Object runs in.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  readZoneRules,
  writeZoneRules,
  type ZoneRulesRecord,
} from "../../../src/core/maintenance/zone-rules-check.ts";
import { setZoneRulesOverride } from "../../../src/core/time/zone-offsets.ts";
import type { OrgObject } from "../../../src/worker/org-object.ts";
import { durableObjectSql } from "../../../src/worker/store/durable-object-sql.ts";
import { makeSnapshot, T0 } from "../../support/fixture.ts";
import { call, feedPathOf, logLines, orgObject, publish, setClock, settle } from "./support.ts";

const ORG = "tzorg";
/** New York an hour ahead from 2026-11-22 on: the kind of change Mexico's end of DST or Morocco's +00 made. */
const MOVED_FROM = Date.UTC(2026, 10, 22);
const newYorkMoves = (zone: string, atMs: number, intl: number) =>
  zone === "America/New_York" && atMs >= MOVED_FROM ? intl + 3600 : intl;

interface Served {
  etag: string | null;
  lastModified: string | null;
  body: string;
}

/** Every person's feed as served from the edge. */
async function fetchAll(): Promise<Record<string, Served>> {
  const out: Record<string, Served> = {};
  for (const person of ["pA", "pB", "pC", "pD"]) {
    const reply = await call("GET", await feedPathOf(ORG, person));
    expect(reply.status).toBe(200);
    out[person] = {
      etag: reply.headers.get("etag"),
      lastModified: reply.headers.get("last-modified"),
      body: reply.text,
    };
  }
  return out;
}

/** The recorded tz data version and the zones it holds fingerprints of. */
const recorded = () =>
  runInDurableObject(orgObject(ORG), (object: OrgObject, state) => {
    void object;
    return readZoneRules(durableObjectSql(state.storage));
  });

/** Replaces the recorded tz data (as if the feeds had been rendered with other rules). */
const rewriteRecord = (record: ZoneRulesRecord) =>
  runInDurableObject(orgObject(ORG), (object: OrgObject, state) => {
    void object;
    writeZoneRules(durableObjectSql(state.storage), record);
  });

/** The tz log lines (`tz_rules_*`) written while `run` runs. */
async function tzLines(run: () => Promise<void>): Promise<Record<string, unknown>[]> {
  return (await logLines(run)).filter((line) => String(line["event"]).startsWith("tz_rules"));
}

/** Runs the cron's roll for the organization, then its queued work. */
async function roll(): Promise<void> {
  await orgObject(ORG).roll();
  await settle(ORG);
}

describe("time-zone data updates on Workers", () => {
  beforeAll(async () => {
    await setClock(ORG, T0);
    const org = { id: ORG, name: "Tz Hospital" };
    expect((await publish(makeSnapshot({ organization: org }))).status).toBe(200);
    const berlin = makeSnapshot({
      organization: org,
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
    expect((await publish(berlin)).status).toBe(200);
  });
  afterEach(() => setZoneRulesOverride(null));

  it("zones are recorded as published; a first roll finds nothing moved, an earlier organization is rendered once", async () => {
    const before = await fetchAll();
    expect(Object.keys((await recorded())?.zones ?? {})).toEqual(["America/New_York", "Europe/Berlin"]);
    expect(await tzLines(roll)).toEqual([]);
    expect(await fetchAll()).toEqual(before);

    // Schedules published before any record (by a Worker without this check): a new instance's first roll renders
    // every zone again, and the feeds come out the same, validators and all.
    await runInDurableObject(orgObject(ORG), (object: OrgObject, state) => {
      void object;
      durableObjectSql(state.storage).run("DELETE FROM meta WHERE key = 'zone_rules'");
    });
    await evictDurableObject(orgObject(ORG));
    await setClock(ORG, T0);
    const lines = await tzLines(roll);
    expect(lines.map((l) => l["event"])).toEqual(["tz_rules_check", "tz_rules_queued"]);
    expect(lines[0]).toMatchObject({
      from: null,
      moved: [],
      unrecorded: ["America/New_York", "Europe/Berlin"],
    });
    expect(await fetchAll()).toEqual(before);
    expect(Object.keys((await recorded())?.zones ?? {})).toEqual(["America/New_York", "Europe/Berlin"]);
  });

  it("a rule change re-renders exactly the moved zone's feeds, once", async () => {
    const before = await fetchAll();
    const berlinRules = (await recorded())?.zones["Europe/Berlin"];
    setZoneRulesOverride(newYorkMoves);
    const lines = await tzLines(roll);
    expect(lines[0]).toMatchObject({ event: "tz_rules_check", moved: ["America/New_York"], unrecorded: [] });
    expect(lines[1]).toMatchObject({ event: "tz_rules_queued", zones: ["America/New_York"] });
    const after = await fetchAll();
    for (const person of ["pA", "pB"]) {
      expect(after[person]!.etag).not.toBe(before[person]!.etag);
      expect(after[person]!.body).not.toBe(before[person]!.body);
    }
    // The new VTIMEZONE carries the new offset from 2026-11-22 (19:00 the day before in New York).
    const moved = "DTSTART:20261121T190000\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\n";
    expect(before.pA!.body).not.toContain(moved);
    expect(after.pA!.body).toContain(moved);
    for (const person of ["pC", "pD"]) expect(after[person]).toEqual(before[person]);
    expect((await recorded())?.zones["Europe/Berlin"]).toBe(berlinRules);

    // The next cron ticks compare nothing (the rules in force and the zones in use are those last compared): even
    // a record that no longer matches is not read again. No log line, no job, the same feeds.
    const kept = (await recorded())!;
    await rewriteRecord({ ...kept, zones: { ...kept.zones, "Europe/Berlin": "00000000000000" } });
    const ticks = await tzLines(async () => {
      for (let tick = 0; tick < 3; tick++) {
        await orgObject(ORG).roll();
        expect(await orgObject(ORG).idle()).toBe(true);
      }
    });
    expect(ticks).toEqual([]);
    expect(await fetchAll()).toEqual(after);
    await rewriteRecord(kept);
  });

  it("rules back as they were re-render the zone again; a zone newly in use is recorded as published", async () => {
    setZoneRulesOverride(newYorkMoves);
    await roll(); // (rules as recorded: nothing moves)
    const before = await fetchAll();
    setZoneRulesOverride(null);
    const lines = await tzLines(roll);
    expect(lines[0]).toMatchObject({ event: "tz_rules_check", moved: ["America/New_York"], unrecorded: [] });
    const after = await fetchAll();
    for (const person of ["pA", "pB"]) expect(after[person]!.etag).not.toBe(before[person]!.etag);
    for (const person of ["pC", "pD"]) expect(after[person]).toEqual(before[person]);

    const tokyo = makeSnapshot({
      organization: { id: ORG, name: "Tz Hospital" },
      schedule: { id: "tokyo", name: "Tokyo Clinic", timezone: "Asia/Tokyo" },
      people: [{ id: "pE", name: "Dr. Ed Ema" }],
      assignments: [{ id: "t1", personId: "pE", shiftId: "day", date: "2026-11-25" }],
    });
    expect((await publish(tokyo)).status).toBe(200);
    // Recorded as published (rendered with the rules in force): the next roll compares and finds nothing moved.
    expect(await tzLines(roll)).toEqual([]);
    expect(await fetchAll()).toEqual(after);
    expect(Object.keys((await recorded())?.zones ?? {}).sort()).toEqual([
      "America/New_York",
      "Asia/Tokyo",
      "Europe/Berlin",
    ]);
  });

  it("a re-rendering given up after its attempts is queued again by the next roll", async () => {
    const before = await fetchAll();
    setZoneRulesOverride(newYorkMoves);
    const queued = await tzLines(async () => void (await orgObject(ORG).roll()));
    expect(queued[1]).toMatchObject({ event: "tz_rules_queued", zones: ["America/New_York"] });
    const job = String(queued[1]!["job"]);
    // Every step of the job has used its attempts (each invocation killed by a limit, say): it is given up.
    await runInDurableObject(orgObject(ORG), (object: OrgObject, state) => {
      void object;
      durableObjectSql(state.storage).run("UPDATE job_steps SET attempts = 3 WHERE job = ?", job);
    });
    await settle(ORG);
    expect(await orgObject(ORG).job(job)).toMatchObject({ state: "failed" });
    expect(await fetchAll()).toEqual(before);

    const lines = await tzLines(roll);
    expect(lines.map((l) => l["event"])).toEqual(["tz_rules_retry", "tz_rules_check", "tz_rules_queued"]);
    expect(lines[0]).toMatchObject({ zones: ["America/New_York"], job, state: "failed" });
    expect(lines[1]).toMatchObject({ moved: ["America/New_York"], unrecorded: [] });
    const after = await fetchAll();
    for (const person of ["pA", "pB"]) expect(after[person]!.etag).not.toBe(before[person]!.etag);
    for (const person of ["pC", "pD"]) expect(after[person]).toEqual(before[person]);
    // Done: the next roll finds the job succeeded and compares nothing more.
    expect(await tzLines(roll)).toEqual([]);
  });
});
