// The change history is keyed by assignment id in a Map and stored as `[id, entry]` pairs; ids named like
// `Object.prototype` members are ordinary keys (issue 6, row 2), and the old object form still reads.
import { describe, expect, it } from "vitest";
import { expandSnapshot } from "../../../src/core/feeds/events.ts";
import { advanceHistory, advanceHistoryFrom, type HistoryEntry } from "../../../src/core/feeds/history.ts";
import { asHistory, decodeHistory, encodeHistory } from "../../../src/core/feeds/history-codec.ts";
import { makeSnapshot } from "../../support/server.ts";
import { validSnapshot } from "../../support/service.ts";

const IDS = ["constructor", "__proto__", "toString", "valueOf", "hasOwnProperty", "isPrototypeOf"];

function events(note?: string) {
  const snapshot = makeSnapshot({
    assignments: IDS.map((id, i) => ({
      id,
      personId: "pA",
      shiftId: "day",
      date: `2026-11-2${i}`,
      ...(id === "toString" && note !== undefined ? { note } : {}),
    })),
  });
  return expandSnapshot(validSnapshot(snapshot));
}

describe("advanceHistory", () => {
  it("starts ids named like Object.prototype members at SEQUENCE 0 and moves only the changed one", () => {
    const first = advanceHistory(new Map(), events(), 100);
    expect([...first.keys()]).toEqual(IDS);
    for (const entry of first.values()) expect(entry).toMatchObject({ seq: 0, created: 100, modified: 100 });
    const second = advanceHistory(first, events("changed"), 200);
    expect([...second].map(([id, e]) => [id, e.seq, e.modified])).toEqual(
      IDS.map((id) => [id, id === "toString" ? 1 : 0, id === "toString" ? 200 : 100]),
    );
  });

  it("turns a removed `__proto__` into a tombstone, and gives it a higher SEQUENCE when it returns", () => {
    const first = advanceHistory(new Map(), events(), 100);
    const removed = advanceHistory(
      first,
      events().filter((e) => e.facts.assignmentId !== "__proto__"),
      200,
    );
    expect(removed.get("__proto__")).toEqual({ fp: "", seq: 0, created: 100, modified: 200 });
    expect(advanceHistory(removed, events(), 300).get("__proto__")).toMatchObject({ seq: 1, modified: 300 });
  });
});

describe("advanceHistoryFrom", () => {
  it("gives what advanceHistory gives, its previous history's entries moved out as the next is made", () => {
    const first = advanceHistory(new Map(), events(), 100);
    const changed = advanceHistory(first, events("changed"), 200);
    const removed = advanceHistory(
      changed,
      events().filter((e) => e.facts.assignmentId !== "valueOf"),
      300,
    );
    const returned = advanceHistory(removed, events(), 400);
    const steps: [Map<string, HistoryEntry>, ReturnType<typeof events>, number][] = [
      [new Map(), events(), 100],
      [first, events("changed"), 200],
      [changed, events().filter((e) => e.facts.assignmentId !== "valueOf"), 300],
      [removed, events(), 400],
      [returned, [], 400 + 401 * 86_400], // every entry a tombstone, or forgotten
    ];
    for (const [prev, evs, now] of steps) {
      const expected = advanceHistory(prev, evs, now);
      const given = new Map(prev);
      expect(advanceHistoryFrom(given, evs, now)).toEqual(expected);
      // Only ids the events did not list are left in it.
      const listed = new Set(evs.map((e) => e.facts.assignmentId));
      expect([...given.keys()].filter((id) => listed.has(id))).toEqual([]);
    }
  });
});

describe("stored history", () => {
  const entry = (seq: number): HistoryEntry => ({ fp: "f", seq, created: 1, modified: 2 });

  it("round-trips through JSON as `[id, entry]` pairs, `__proto__` included", () => {
    const history = new Map(IDS.map((id, i) => [id, entry(i)]));
    const json = JSON.stringify(encodeHistory(history));
    expect(JSON.parse(json)).toEqual(IDS.map((id, i) => [id, entry(i)]));
    expect(decodeHistory(JSON.parse(json))).toEqual(history);
  });

  it("reads the legacy object form, where JSON.parse makes `__proto__` an own key", () => {
    const legacy = JSON.parse(
      '{"a1":{"fp":"x","seq":3,"created":1,"modified":2},"__proto__":' +
        '{"fp":"","seq":1,"created":1,"modified":2}}',
    ) as unknown;
    expect([...decodeHistory(legacy)]).toEqual([
      ["a1", { fp: "x", seq: 3, created: 1, modified: 2 }],
      ["__proto__", { fp: "", seq: 1, created: 1, modified: 2 }],
    ]);
    expect(asHistory({})).toEqual(new Map());
  });

  it("rejects anything else instead of letting a bad SEQUENCE reach the renderer", () => {
    expect(() => decodeHistory([["a1", { fp: "x", seq: "1", created: 1, modified: 2 }]])).toThrow(TypeError);
    expect(() => decodeHistory({ a1: { fp: "x" } })).toThrow(TypeError);
    expect(() => decodeHistory(null)).toThrow(TypeError);
  });
});
