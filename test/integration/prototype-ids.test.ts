/**
 * Regression (issue 6, row 2): assignment ids that are names of `Object.prototype` members (`constructor`,
 * `__proto__`, `toString`, …) are valid ids, and once made the renderer fail (`sequence must be a number`) because
 * the change history was a plain object indexed by id. Through the real Node server: such a snapshot publishes,
 * a second revision moves only the changed assignment's SEQUENCE, and a restart serves the same bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeSnapshot, startHarness, type Harness, type SnapshotInput } from "../support/server.ts";
import { vevents } from "../support/server.ts";

const IDS = [
  "constructor",
  "__proto__",
  "toString",
  "valueOf",
  "hasOwnProperty",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toLocaleString",
  "__defineGetter__",
  "__lookupSetter__",
];
const uid = (id: string) => `${id}@icu.acme.shiftfeed`;

/** Every id on a day shift in the week after the harness clock, alternating between pA and pB. */
function snapshot(revision: number, noteOn?: string): SnapshotInput {
  return makeSnapshot({
    revision,
    assignments: IDS.map((id, i) => ({
      id,
      personId: i % 2 === 0 ? "pA" : "pB",
      shiftId: "day",
      date: `2026-11-${21 + i}`,
      ...(id === noteOn ? { note: "Moved to room 2" } : {}),
    })),
  });
}

describe("assignment ids named like Object.prototype members", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  /** SEQUENCE by UID across both people's feeds. */
  async function sequences(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const person of ["pA", "pB"]) {
      const feed = await h.feed(await h.feedPathOf("acme", person));
      expect(feed.status, feed.text).toBe(200);
      for (const [id, props] of vevents(feed.text)) out.set(id, props["SEQUENCE"] ?? "missing");
    }
    return out;
  }

  it("publishes them (200) with one event each at SEQUENCE 0", async () => {
    const reply = await h.publish(snapshot(1));
    expect(reply.status, reply.text).toBe(200);
    expect(await sequences()).toEqual(new Map(IDS.map((id) => [uid(id), "0"])));
  });

  it("moves only the changed one's SEQUENCE in the next revision", async () => {
    const reply = await h.publish(snapshot(2, "__proto__"));
    expect(reply.status, reply.text).toBe(200);
    expect(await sequences()).toEqual(new Map(IDS.map((id) => [uid(id), id === "__proto__" ? "1" : "0"])));
  });

  it("serves the same bytes and validators after a restart, and keeps the history", async () => {
    const paths = await Promise.all(["pA", "pB"].map((p) => h.feedPathOf("acme", p)));
    const before = await Promise.all(paths.map((p) => h.feed(p)));
    await h.restart();
    const after = await Promise.all(paths.map((p) => h.feed(p)));
    for (const [i, reply] of after.entries()) {
      expect(reply.status).toBe(200);
      expect(reply.body.equals(before[i]!.body)).toBe(true);
      expect([reply.etag, reply.lastModified]).toEqual([before[i]!.etag, before[i]!.lastModified]);
    }
    // The history read back from disk: an unchanged third revision moves nothing, a change to `constructor` moves it.
    const third = snapshot(3, "__proto__");
    third.assignments.find((a) => a.id === "constructor")!.date = "2026-12-01";
    expect((await h.publish(third)).status).toBe(200);
    expect(await sequences()).toEqual(
      new Map(IDS.map((id) => [uid(id), id === "__proto__" || id === "constructor" ? "1" : "0"])),
    );
  });
});
