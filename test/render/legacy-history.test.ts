// A data directory written before the history became a Map keeps working: its schedule state (an object-form
// history, written by that code: fixtures/state/legacy-object-history.json) loads with the same SEQUENCE,
// CREATED and LAST-MODIFIED values, and the next revision moves only what it changed (its fingerprints, of an
// earlier encoding, are recomputed from the state's own snapshot).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { expandSnapshot } from "../../src/core/feeds/events.ts";
import { gzip } from "../../src/core/compress.ts";
import { stateBlobKey, personFeedKey, scheduleFeedKey } from "../../src/core/store/keys.ts";
import { RefreshScope } from "../../src/core/publish/refresh-scope.ts";
import { readState } from "../../src/core/publish/schedule-state.ts";
import { putBlob } from "../../src/core/store/blob-table.ts";
import { ROOT } from "../support/render-cases.ts";
import { vevents } from "../support/server.ts";
import { openService, publish, readFeeds, validSnapshot, type TestService } from "../support/service.ts";

const legacyText = readFileSync(`${ROOT}fixtures/state/legacy-object-history.json`, "utf8");
const legacy = JSON.parse(legacyText) as {
  snapshot: { revision: number; assignments: { id: string; note?: string }[] };
  history: Record<string, { seq: number; created: number; modified: number }>;
};
const KEY = stateBlobKey("legacy", "ward", 2);
const REV2 = "20261120T130000Z";
const REV3 = "20261120T140000Z";
const uid = (id: string) => `${id}@ward.legacy.shiftfeed`;

/** SEQUENCE and LAST-MODIFIED of every event in the schedule feed and each person feed, by feed and UID. */
async function stamps(t: TestService): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const feeds = await readFeeds(t, "legacy");
  for (const key of [scheduleFeedKey("ward"), ...["pA", "pB", "pC"].map(personFeedKey)]) {
    for (const [u, p] of vevents(feeds.get(key)!.text))
      out[`${key} ${u}`] = `${p["SEQUENCE"]} ${p["LAST-MODIFIED"]}`;
  }
  return out;
}

/** A service whose stored state of `ward` is the legacy file, its feeds rendered again from it. */
async function serviceOnLegacyState(): Promise<TestService> {
  const first = await openService(Date.parse("2026-11-20T13:00:00Z"));
  await publish(first, legacy.snapshot);
  const bytes = await gzip(new TextEncoder().encode(legacyText));
  first.sql.transaction(() => putBlob(first.sql, KEY, bytes));
  await first.service.refresh("legacy", "ward", RefreshScope.whole(true));
  return first;
}

describe("a schedule state with the legacy object-form history", () => {
  it("reads with every entry's SEQUENCE, CREATED and LAST-MODIFIED, tombstone included", async () => {
    const t = await serviceOnLegacyState();
    const history = (await readState(t.sql, KEY)).history;
    expect([...history.keys()].sort()).toEqual(Object.keys(legacy.history).sort());
    for (const [id, entry] of history) {
      const { seq, created, modified } = legacy.history[id]!;
      expect({ id, seq: entry.seq, created: entry.created, modified: entry.modified }).toEqual({
        id,
        seq,
        created,
        modified,
      });
    }
    // Fingerprints of the earlier encoding are recomputed from the state's snapshot; the tombstone stays empty.
    const fps = new Map(
      expandSnapshot(validSnapshot(legacy.snapshot)).map((e) => [e.facts.assignmentId, e.fp]),
    );
    for (const id of ["a1", "a2", "a3", "a4", "a6"]) expect(history.get(id)?.fp, id).toBe(fps.get(id));
    expect(history.get("a5")?.fp).toBe("");
  });

  it("serves the legacy SEQUENCE values after a restart", async () => {
    const t = await serviceOnLegacyState();
    const s = await stamps(t);
    expect(s[`schedule/ward ${uid("a1")}`]).toBe(`1 ${REV2}`);
    expect(s[`person/pA ${uid("a1")}`]).toBe(`1 ${REV2}`);
    expect(s[`person/pC ${uid("a6")}`]).toBe(`0 ${REV2}`);
    expect(s[`person/pB ${uid("a2")}`]).toBe("0 20261120T120000Z");
  });

  it("moves only the changed assignment in the next revision", async () => {
    const t = await serviceOnLegacyState();
    const before = await stamps(t);
    t.clock.now = Date.parse("2026-11-20T14:00:00Z");
    const next = structuredClone(legacy.snapshot);
    next.revision = 3;
    next.assignments.find((a) => a.id === "a2")!.note = "Swap with Cy";
    await publish(t, next);
    const after = await stamps(t);
    const changed = Object.keys(after).filter((k) => after[k] !== before[k]);
    expect(changed.sort()).toEqual([`person/pB ${uid("a2")}`, `schedule/ward ${uid("a2")}`]);
    expect(after[`person/pB ${uid("a2")}`]).toBe(`1 ${REV3}`);
  });
});
