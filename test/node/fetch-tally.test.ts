/**
 * Who-polls notes in column blocks (`fetch-tally.ts`): what reaches the fetch log through a block is what a note
 * per request gave it — the same calls in the same order — whether a block goes over when full or with a
 * report, and across a restart of the bounded string tables.
 */
import { describe, expect, it } from "vitest";
import type { CalendarClient } from "../../src/core/clients.ts";
import { MAX_UA } from "../../src/core/fetch-log.ts";
import {
  FetchTally,
  MAX_STRING_CHARS,
  MAX_STRINGS,
  TALLY_BLOCK,
  TallyReader,
  type TallyBlock,
} from "../../src/node/fetch-tally.ts";

type Call = [string | null, CalendarClient, string | null, number, number, string | undefined];

/** A tally whose blocks go through a structured clone (as between threads) into a reader that records calls. */
function pair(): { tally: FetchTally; calls: Call[]; report: () => void; resets: () => number } {
  const calls: Call[] = [];
  let resets = 0;
  const reader = new TallyReader();
  const log = {
    record: (...args: Call) => void calls.push(args),
  };
  const deliver = (block: TallyBlock) => {
    if (block.reset) resets++;
    reader.readInto(structuredClone(block, { transfer: [block.rows.buffer] }), log);
  };
  const tally = new FetchTally(deliver);
  return { tally, calls, report: () => deliver(tally.take()), resets: () => resets };
}

describe("fetch tally", () => {
  it("hands the fetch log every noted request, in order, with its feed, client, agent, status, time and hash", () => {
    const { tally, calls, report } = pair();
    const notes: Call[] = [
      ["acme/person/p1", "apple", "iOS/18.1 (22B83) dataaccessd/1.0", 304, 1_700_000_000_123, undefined],
      ["acme/person/p2", "google", "Google-Calendar-Importer", 200, 1_700_000_000_124, undefined],
      [null, "other", null, 404, 1_700_000_000_125, undefined],
      [null, "outlook", "Microsoft Office/16.0", 429, 1_700_000_000_126, "ab".repeat(32)],
      ["acme/person/p1", "apple", "iOS/18.1 (22B83) dataaccessd/1.0", 200, 1_700_000_060_000, undefined],
    ];
    for (const n of notes) tally.note(...n);
    expect(calls).toEqual([]); // nothing goes over before a report or a full block
    report();
    expect(calls).toEqual(notes);
    report();
    expect(calls).toHaveLength(notes.length); // an empty report adds nothing
    tally.note(...notes[1]!);
    report();
    expect(calls.at(-1)).toEqual(notes[1]);
  });

  it("sends a full block at once, and the rest with the next report", () => {
    const { tally, calls, report } = pair();
    for (let i = 0; i < TALLY_BLOCK + 3; i++) tally.note(`acme/person/p${i % 7}`, "apple", "ua", 304, i);
    expect(calls).toHaveLength(TALLY_BLOCK);
    report();
    expect(calls.map((c) => c[4])).toEqual(Array.from({ length: TALLY_BLOCK + 3 }, (_, i) => i));
    expect(calls[TALLY_BLOCK + 2]![0]).toBe(`acme/person/p${(TALLY_BLOCK + 2) % 7}`);
  });

  it("keeps of a User-Agent what the fetch log keeps, and bounds its tables in characters too", () => {
    const { tally, calls, report, resets } = pair();
    const long = (n: number) => `${n} `.padEnd(10_000, "x");
    const total = Math.ceil(MAX_STRING_CHARS / MAX_UA) + 100;
    for (let i = 0; i < total; i++) tally.note("acme/person/p1", "other", long(i), 200, i);
    report();
    expect(calls).toHaveLength(total);
    for (const i of [0, total - 1]) expect(calls[i]![2]).toBe(long(i).slice(0, MAX_UA));
    expect(total).toBeLessThan(MAX_STRINGS / 2);
    expect(resets()).toBe(1); // far fewer strings than the count allows: started afresh for their characters
  });

  it("starts its string tables afresh when they fill, and still names every request right", () => {
    const { tally, calls, report } = pair();
    const total = MAX_STRINGS + 500;
    for (let i = 0; i < total; i++) {
      tally.note("acme/person/p1", "other", `agent ${i}`, 304, i);
      if (i % 50_000 === 0) report();
    }
    report();
    expect(calls).toHaveLength(total);
    for (const i of [0, MAX_STRINGS - 2, MAX_STRINGS - 1, MAX_STRINGS, total - 1]) {
      expect(calls[i]!.slice(0, 5)).toEqual(["acme/person/p1", "other", `agent ${i}`, 304, i]);
    }
  });
});
