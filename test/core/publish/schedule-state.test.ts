// A schedule's stored state goes through the compressor as it is encoded and is parsed as it is decompressed, with
// either codec (the web platform's, Node's): the JSON never whole, the same state back, from whole bytes or a
// blob's parts — and a state the earlier encoder wrote (its whole JSON gzipped at once) reads the same, as do
// corrupt states refused. A batch reads only its people's history; a publish reads the previous history without
// parsing its snapshot (a legacy object-form history, which needs it, is read whole).
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { bigSchedule } from "../../../bench/fixtures/big-schedule.ts";
import { webCodec, type Codec, type GzipWriter } from "../../../src/core/compress.ts";
import { expandSnapshot } from "../../../src/core/feeds/events.ts";
import { encodeHistory } from "../../../src/core/feeds/history-codec.ts";
import { advanceHistory } from "../../../src/core/feeds/history.ts";
import {
  decodeState,
  encodeState,
  readHistory,
  readState,
  type ScheduleState,
} from "../../../src/core/publish/schedule-state.ts";
import { putBlob } from "../../../src/core/store/blob-table.ts";
import { ensureSchema } from "../../../src/core/store/schema.ts";
import { openNodeSqlite } from "../../../src/node/store/node-sqlite.ts";
import { ingestSnapshot } from "../../../src/core/snapshot/ingest.ts";
import { nodeCodec } from "../../../src/node/node-codec.ts";

const encoder = new TextEncoder();

async function stateOf(people: number, days: number): Promise<ScheduleState> {
  const doc = bigSchedule({ people, days, today: "2026-03-01" });
  const result = await ingestSnapshot(encoder.encode(JSON.stringify(doc)), {
    org: doc.organization.id,
    schedule: doc.schedule.id,
  });
  if (!result.ok) throw new Error(result.error.message);
  const history = advanceHistory(new Map(), expandSnapshot(result.snapshot), 1_700_000_000);
  history.set("__proto__", { fp: "", seq: 2, created: 1, modified: 2 });
  return { snapshot: result.snapshot, history, receivedAt: 1_700_000_123 };
}

/** The state's JSON as one string: what the stored bytes decompress to. */
const jsonOf = (state: ScheduleState) =>
  JSON.stringify({ format: 2, ...state, history: encodeHistory(state.history) });

/** A codec that records the sizes going through it, and refuses to take or give the state's JSON whole. */
function watched(codec: Codec) {
  const sizes = { written: [] as number[], read: [] as number[] };
  const spy: Codec = {
    ...codec,
    gzip: () => Promise.reject(new Error("the state's JSON given whole to gzip")),
    gunzip: () => Promise.reject(new Error("the state's JSON asked for whole from gunzip")),
    gzipWriter: (fast) => {
      const inner = codec.gzipWriter(fast);
      const writer: GzipWriter = {
        write: (bytes) => {
          sizes.written.push(bytes.length);
          return inner.write(bytes);
        },
        end: () => inner.end(),
      };
      return writer;
    },
    gunzipChunks: async function* (parts) {
      for await (const chunk of codec.gunzipChunks(parts)) {
        sizes.read.push(chunk.length);
        yield chunk;
      }
    },
  };
  return { spy, sizes };
}

describe.each([
  ["web", webCodec],
  ["node", nodeCodec],
])("a schedule's stored state with the %s codec", (_, codec) => {
  it("is compressed as it is encoded and parsed as it is decompressed, 64 KiB at most at a time", async () => {
    const state = await stateOf(400, 20);
    const json = encoder.encode(jsonOf(state));
    expect(json.length).toBeGreaterThan(4 * 64 * 1024);
    const { spy, sizes } = watched(codec);
    const bytes = await encodeState(state, spy);
    expect(Math.max(...sizes.written)).toBeLessThanOrEqual(64 * 1024);
    expect(sizes.written.reduce((a, b) => a + b)).toBe(json.length);
    const back = await decodeState(bytes, spy);
    expect(sizes.read.length).toBeGreaterThan(1);
    expect(Math.max(...sizes.read)).toBeLessThanOrEqual(64 * 1024);
    expect(back.history).toEqual(state.history);
    expect(back.snapshot).toEqual(state.snapshot);
    expect(back.receivedAt).toBe(state.receivedAt);
  });

  it("decompresses to the same JSON as one string gives, read whole or from a blob's parts", async () => {
    const state = await stateOf(120, 14);
    const bytes = await encodeState(state, codec);
    expect(new TextDecoder().decode(await codec.gunzip(bytes))).toBe(jsonOf(state));
    const parts = [1, 7, 1000, bytes.length].map((at, i, all) =>
      bytes.subarray(i === 0 ? 0 : all[i - 1], at),
    );
    for (const read of [bytes, parts, [bytes.subarray(0, 0), bytes]]) {
      const back = await decodeState(read, codec);
      expect(back.history).toEqual(state.history);
      expect(back.snapshot).toEqual(state.snapshot);
    }
  });

  it("reads a state the earlier encoder wrote: its whole JSON gzipped at once, by either codec", async () => {
    const state = await stateOf(120, 14);
    const json = encoder.encode(jsonOf(state));
    for (const bytes of [
      await webCodec.gzip(json, true),
      nodeCodec.gzip(json, true) as Uint8Array,
      gzipSync(json),
    ]) {
      const back = await decodeState(bytes, codec);
      expect(back.history).toEqual(state.history);
      expect(back.snapshot).toEqual(state.snapshot);
      expect(back.receivedAt).toBe(state.receivedAt);
    }
  });

  it("refuses a truncated or corrupt state, and a state whose JSON is cut short", async () => {
    const state = await stateOf(60, 7);
    const bytes = await encodeState(state, codec);
    await expect(decodeState(bytes.subarray(0, bytes.length - 9), codec)).rejects.toThrow();
    await expect(decodeState(Uint8Array.from([31, 139, 8, 0, 1, 2, 3]), codec)).rejects.toThrow();
    const json = encoder.encode(jsonOf(state));
    await expect(decodeState(gzipSync(json.subarray(0, json.length - 1)), codec)).rejects.toThrow(
      SyntaxError,
    );
  });
});

/** A store holding `bytes` as the state under `key`, in parts of 1,000 bytes. */
function storeWith(bytes: Uint8Array) {
  const sql = openNodeSqlite({ path: ":memory:" });
  ensureSchema(sql);
  sql.transaction(() => putBlob(sql, "state", bytes));
  return sql;
}

describe("reading part of a stored state", () => {
  it("keeps only the history of the people a batch reads, the snapshot whole", async () => {
    const state = await stateOf(120, 14);
    const people = new Set(state.snapshot.people.slice(10, 40).map((p) => p.id));
    const theirs = new Set(state.snapshot.assignments.filter((a) => people.has(a.personId)).map((a) => a.id));
    expect(theirs.size).toBeGreaterThan(0);
    const sql = storeWith(await encodeState(state));
    const back = await readState(sql, "state", webCodec, people);
    expect(back.snapshot).toEqual(state.snapshot);
    expect(back.history).toEqual(new Map([...state.history].filter(([id]) => theirs.has(id))));
    expect((await readState(sql, "state")).history).toEqual(state.history);
  });

  it("reads the previous history without parsing the snapshot", async () => {
    const state = await stateOf(60, 7);
    const sql = storeWith(await encodeState(state, nodeCodec));
    expect(await readHistory(sql, "state", nodeCodec)).toEqual(state.history);
    // A snapshot JSON.parse would refuse: only reading it whole fails.
    const json = jsonOf(state).replace('"snapshot":{', '"snapshot":{"x":[1,,2],');
    const odd = storeWith(gzipSync(json));
    expect(await readHistory(odd, "state")).toEqual(state.history);
    await expect(readState(odd, "state")).rejects.toThrow(SyntaxError);
  });

  it("reads a legacy object-form history whole, its fingerprints recomputed from the snapshot", async () => {
    const legacy = readFileSync(
      new URL("../../../fixtures/state/legacy-object-history.json", import.meta.url),
    );
    const sql = storeWith(gzipSync(legacy));
    const whole = await readState(sql, "state");
    expect(whole.history.size).toBeGreaterThan(0);
    expect(await readHistory(sql, "state")).toEqual(whole.history);
  });
});
