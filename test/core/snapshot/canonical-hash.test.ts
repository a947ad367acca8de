// A snapshot's content hash is computed over its JSON a record at a time (no whole string); it must be exactly
// SHA-256 of `JSON.stringify(snapshot)`, or a replay published before would stop answering `unchanged`. A
// schedule's stored state is written the same way, and must read back as before.
import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalHash, canonicalParts } from "../../../src/core/snapshot/canonical-hash.ts";
import { Sha256 } from "../../../src/core/sha256.ts";
import { ingestSnapshot } from "../../../src/core/snapshot/ingest.ts";
import type { Snapshot } from "../../../src/core/snapshot/types.ts";
import { makeSnapshot } from "../../support/fixture.ts";
import { bigSchedule } from "../../../bench/fixtures/big-schedule.ts";
import { webCodec } from "../../../src/core/compress.ts";
import { nodeCodec } from "../../../src/node/node-codec.ts";
import { expandSnapshot } from "../../../src/core/feeds/events.ts";
import { encodeHistory } from "../../../src/core/feeds/history-codec.ts";
import { advanceHistory } from "../../../src/core/feeds/history.ts";
import { decodeState, encodeState } from "../../../src/core/publish/schedule-state.ts";

const node = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

describe("a snapshot's canonical hash", () => {
  it("is SHA-256 of the whole JSON, fed in pieces of any length and any characters", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "grapheme", maxLength: 300 }), { maxLength: 12 }), (pieces) => {
        const hash = new Sha256();
        for (const p of pieces) hash.update(p);
        expect(Buffer.from(hash.digest()).toString("hex")).toBe(node(pieces.join("")));
      }),
      { numRuns: 500 },
    );
  });

  it("is the hash of JSON.stringify(snapshot), for a small and a hospital-wide snapshot", async () => {
    const small = makeSnapshot();
    const big = bigSchedule({ people: 300, days: 20, today: "2026-03-01" });
    for (const doc of [small, big]) {
      const org = doc.organization.id;
      const result = await ingestSnapshot(new TextEncoder().encode(JSON.stringify(doc)), {
        org,
        schedule: doc.schedule.id,
      });
      if (!result.ok) throw new Error(result.error.message);
      const whole = JSON.stringify(result.snapshot);
      expect([...canonicalParts(result.snapshot)].join("")).toBe(whole);
      expect(result.hash).toBe(node(whole));
      expect(canonicalHash(result.snapshot)).toBe(node(whole));
      // With Node's native incremental hash (what a render thread uses), the same hash.
      expect(canonicalHash(result.snapshot, nodeCodec.textSha256!())).toBe(node(whole));
      const target = { org, schedule: doc.schedule.id };
      const natively = await ingestSnapshot(new TextEncoder().encode(whole), target, nodeCodec);
      expect(natively.ok && natively.hash).toBe(node(whole));
    }
  });

  it("leaves out keys whose value is undefined, as JSON.stringify does", () => {
    const odd = { format: "shiftfeed.snapshot/1", note: undefined, people: [{ id: "a" }], shifts: [] };
    expect([...canonicalParts(odd as unknown as Snapshot)].join("")).toBe(JSON.stringify(odd));
  });
});

describe("a schedule's stored state", () => {
  it("is the gzip of the same JSON as one string would give, written a record at a time", async () => {
    const doc = bigSchedule({ people: 200, days: 10, today: "2026-03-01" });
    const result = await ingestSnapshot(new TextEncoder().encode(JSON.stringify(doc)), {
      org: doc.organization.id,
      schedule: doc.schedule.id,
    });
    if (!result.ok) throw new Error(result.error.message);
    const history = advanceHistory(new Map(), expandSnapshot(result.snapshot), 1_700_000_000);
    history.set("__proto__", { fp: "", seq: 2, created: 1, modified: 2 });
    const state = { snapshot: result.snapshot, history, receivedAt: 1_700_000_123 };
    const bytes = await encodeState(state);
    const text = new TextDecoder().decode(await webCodec.gunzip(bytes));
    expect(text).toBe(JSON.stringify({ format: 2, ...state, history: encodeHistory(history) }));
    const back = await decodeState(bytes);
    expect(back.history).toEqual(history);
    expect(back.snapshot).toEqual(result.snapshot);
  });
});
