/**
 * The body cache serving threads share (`shared-body-cache.ts`): a body one thread put is read by another, byte
 * for byte, under its exact key only; a full cache keeps what it holds (requests cycling through more feeds than
 * fit still hit the ones it holds) and starts afresh at most once a minute.
 */
import { randomBytes } from "node:crypto";
import { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { createBodyCacheBuffer, hashOf, SharedBodyCache } from "../../src/node/shared-body-cache.ts";

const key = (n: number) => `g/stmärys/person/p${n}/${n.toString(16).padStart(64, "0")}`;

describe("shared body cache", () => {
  const workers: Worker[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.terminate()));
  });

  it("gives back what was put, under its exact key only, and copies it out of the shared memory", () => {
    const cache = new SharedBodyCache(createBodyCacheBuffer(1 << 20));
    const bodies = Array.from({ length: 50 }, (_, n) => new Uint8Array(randomBytes(100 + n * 37)));
    bodies.forEach((body, n) => cache.put(key(n), body));
    bodies.forEach((body, n) => {
      const got = cache.get(key(n));
      expect(got).toEqual(body);
      expect(got!.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    });
    expect(cache.get(key(50))).toBeUndefined();
    expect(cache.get(key(1).slice(0, -1))).toBeUndefined();
    expect(cache.get(`${key(1)}x`)).toBeUndefined();
    expect(cache.get(key(1).replace("ä", "a"))).toBeUndefined();
  });

  it("never answers for another key with the same hash", () => {
    const seen = new Map<number, string>();
    let pair: [string, string] | null = null;
    for (let n = 0; pair === null; n++) {
      const k = key(n).replace("ä", "a");
      const other = seen.get(hashOf(k));
      if (other !== undefined) pair = [other, k];
      else seen.set(hashOf(k), k);
    }
    const cache = new SharedBodyCache(createBodyCacheBuffer(1 << 20));
    cache.put(pair[0], new Uint8Array([1, 2, 3]));
    expect(cache.get(pair[1])).toBeUndefined();
    cache.put(pair[1], new Uint8Array([4, 5]));
    expect(cache.get(pair[0])).toEqual(new Uint8Array([1, 2, 3]));
    expect(cache.get(pair[1])).toEqual(new Uint8Array([4, 5]));
  });

  it("is shared: a body put by one thread is read by another", async () => {
    const buffer = createBodyCacheBuffer(1 << 20);
    const body = new Uint8Array(randomBytes(3000));
    const worker = new Worker(
      `const { workerData, parentPort } = require("node:worker_threads");
       const { SharedBodyCache } = require(workerData.module);
       new SharedBodyCache(workerData.buffer).put(workerData.key, workerData.body);
       parentPort.postMessage("done");`,
      {
        eval: true,
        workerData: {
          buffer,
          key: key(7),
          body,
          module: new URL("../../src/node/shared-body-cache.ts", import.meta.url).pathname,
        },
      },
    );
    workers.push(worker);
    await new Promise((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    expect(new SharedBodyCache(buffer).get(key(7))).toEqual(body);
  });

  it("a reader racing a fresh start gets a body or nothing, never an error or another key's bytes", async () => {
    // One thread keeps filling a small cache and starting it afresh (its clock moves two minutes a put) while this
    // one reads: a slot can be cleared between a reader finding it and reading where its record is.
    const buffer = createBodyCacheBuffer(64 << 10);
    const bodyOf = (n: number) => new Uint8Array(600 + (n % 7) * 100).fill(n % 251);
    const worker = new Worker(
      `const { workerData, parentPort } = require("node:worker_threads");
       const { SharedBodyCache } = require(workerData.module);
       let now = 0;
       const cache = new SharedBodyCache(workerData.buffer, () => (now += 120_000));
       const end = Date.now() + 1500;
       for (let n = 0; Date.now() < end; n++)
         cache.put("k" + (n % 400), new Uint8Array(600 + ((n % 400) % 7) * 100).fill((n % 400) % 251));
       parentPort.postMessage("done");`,
      {
        eval: true,
        workerData: {
          buffer,
          module: new URL("../../src/node/shared-body-cache.ts", import.meta.url).pathname,
        },
      },
    );
    workers.push(worker);
    const done = new Promise((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    const reader = new SharedBodyCache(buffer);
    let finished = false;
    void done.then(() => (finished = true));
    let hits = 0;
    while (!finished) {
      for (let n = 0; n < 400; n++) {
        const got = reader.get(`k${n}`);
        if (got === undefined) continue;
        hits++;
        expect(got).toEqual(bodyOf(n));
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    await done;
    expect(hits).toBeGreaterThan(0);
  });

  it("a slot torn by a fresh start that points past the data's end matches no key, and throws nothing", () => {
    const bytes = 1 << 20;
    const buffer = createBodyCacheBuffer(bytes);
    const cache = new SharedBodyCache(buffer);
    cache.put(key(3), new Uint8Array(randomBytes(500)));
    // Header: 8 ints; slots: 4 ints each (hash, record start, key length, record length); then the data area.
    const slotCount = new Int32Array(buffer, 0, 8)[4]!;
    const slots = new Int32Array(buffer, 8 * 4, slotCount * 4);
    const data = new Uint8Array(buffer, 8 * 4 + slotCount * 4 * 4);
    const at = slots.findIndex((value, n) => n % 4 === 0 && value !== 0);
    // The start of a record added since near the data's end, whose key begins as this one (its ASCII part),
    // read with this record's key length.
    const ascii = key(3).slice(0, key(3).indexOf("ä"));
    const start = bytes - ascii.length;
    data.set(new TextEncoder().encode(ascii), start);
    slots[at + 1] = start;
    expect(() => cache.get(key(3))).not.toThrow();
    expect(cache.get(key(3))).toBeUndefined();
  });

  it("when full keeps what it holds, and starts afresh only a minute after it last did", () => {
    let now = 1_800_000_000_000;
    const cache = new SharedBodyCache(createBodyCacheBuffer(1 << 20), () => now);
    const body = (n: number) => new Uint8Array(10_000).fill(n & 0xff);
    // Three passes over more bodies than fit, as pollers cycling through every feed: the ones held keep hitting.
    let hits = 0;
    for (let pass = 0; pass < 3; pass++) {
      for (let n = 0; n < 200; n++) {
        const got = cache.get(key(n));
        if (got) {
          expect(Buffer.compare(got, body(n))).toBe(0);
          hits++;
        } else cache.put(key(n), body(n));
      }
    }
    const held = Array.from({ length: 200 }, (_, n) => cache.get(key(n)) !== undefined).filter(
      Boolean,
    ).length;
    expect(held).toBeGreaterThan(90);
    expect(held).toBeLessThan(200);
    expect(hits).toBe(2 * held);
    expect(cache.get(key(0))).toEqual(body(0));
    // Not within the minute; two minutes later, a full cache starts afresh for the next body that does not fit.
    now += 30_000;
    cache.put(key(199), body(199));
    expect(cache.get(key(199))).toBeUndefined();
    expect(cache.get(key(0))).toEqual(body(0));
    now += 90_000;
    cache.put(key(199), body(199));
    expect(cache.get(key(0))).toBeUndefined();
    expect(cache.get(key(199))).toEqual(body(199));
    expect(cache.usedBytes).toBeLessThan(11_000);
  });
});
