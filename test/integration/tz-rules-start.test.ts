/**
 * The tz data check on the real Node server: the start records the tz data in use (source and version) in the database
 * (silently on an empty one);
 * a start under another version than the recorded one (simulated by rewriting the record) logs the check and
 * renders the zones whose recorded rules differ again in the background; a start under the recorded version does
 * nothing, unless `TZDATA_RECHECK=1` asks for the comparison.
 */
import { afterEach, describe, expect, it } from "vitest";
import { chooseZoneRules, DEFAULT_TZDIR, zoneRulesLabel } from "../../src/node/host-zone-rules.ts";
import { makeSnapshot, startHarness, type Harness } from "../support/server.ts";

/** The tz data the server renders with on this host (`system:2026f` here), as the database records it. */
const IN_USE = zoneRulesLabel(chooseZoneRules(DEFAULT_TZDIR));

/** The fields of the `event` log lines so far. */
const events = (h: Harness, event: string) =>
  h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l["event"] === event);

/** The tz data version the database records. */
async function recordedVersion(h: Harness): Promise<string> {
  const meta = JSON.parse((await h.storeListing())["meta"]!) as { key: string; value: string }[];
  return (JSON.parse(meta.find((m) => m.key === "zone_rules")!.value) as { version: string }).version;
}

async function waitFor(h: Harness, event: string, count: number): Promise<Record<string, unknown>[]> {
  for (let i = 0; i < 400 && events(h, event).length < count; i++)
    await new Promise((r) => setTimeout(r, 25));
  const found = events(h, event);
  expect(found.length, `${event} logged ${count} times`).toBe(count);
  return found;
}

describe("tz data check at start", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("records the version, and re-renders the zones a start under another version finds moved", async () => {
    h = await startHarness();
    expect(await recordedVersion(h)).toBe(IN_USE); // recorded silently: an empty database has nothing in use
    expect(events(h, "tz_rules_check")).toHaveLength(0);
    expect((await h.publish(makeSnapshot())).status).toBe(200);
    const path = await h.feedPathOf("acme", "pA");
    const before = await h.feed(path);

    // The database says the feeds were rendered under other tz data, with other rules for New York.
    h.tamper(
      `UPDATE meta SET value = '{"version":"2020a","zones":{"America/New_York":"00000000000000"}}' WHERE key = 'zone_rules'`,
    );
    await h.restart();
    const [check] = await waitFor(h, "tz_rules_check", 1);
    expect(check).toMatchObject({
      level: "info",
      from: "2020a",
      to: IN_USE,
      moved: ["America/New_York"],
      unrecorded: [],
    });
    const [done] = await waitFor(h, "tz_rules_rerendered", 1);
    expect(done).toMatchObject({ zones: ["America/New_York"], feedsUpdated: 0 }); // same rules in fact
    const after = await h.feed(path);
    expect(after.etag).toBe(before.etag);
    expect(after.text).toBe(before.text);
    expect(await recordedVersion(h)).toBe(IN_USE);

    await h.restart(); // the version recorded now is the runtime's: no check
    await new Promise((r) => setTimeout(r, 200));
    expect(events(h, "tz_rules_check")).toHaveLength(1);
    expect(events(h, "tz_rules_check_failed")).toHaveLength(0);
  });

  it("TZDATA_RECHECK=1 compares every zone's rules at start even under the recorded version", async () => {
    h = await startHarness({ env: { TZDATA_RECHECK: "1" } });
    expect((await h.publish(makeSnapshot())).status).toBe(200);
    await h.restart();
    const [check] = await waitFor(h, "tz_rules_check", 1);
    expect(check).toMatchObject({
      from: IN_USE,
      to: IN_USE,
      moved: [],
      unrecorded: ["America/New_York"],
    });
  });
});
