// createIngestPool: snapshot ingest in worker threads: the same answers as in process, bodies transferred,
// a bounded number of threads started on demand, a dead worker replaced, everything stopped on close.
import { afterEach, describe, expect, it } from "vitest";
import type { Logger } from "../../src/core/logger.ts";
import { ingestSnapshot } from "../../src/core/snapshot/ingest.ts";
import { createIngestPool, type IngestPool } from "../../src/node/ingest-pool.ts";
import { makeSnapshot } from "../support/server.ts";

const target = { org: "acme", schedule: "icu" };
const DYING_WORKER = new URL("../support/dying-ingest-worker.ts", import.meta.url);
const bytesOf = (value: unknown) =>
  new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value));

const pools: IngestPool[] = [];
afterEach(async () => {
  for (const pool of pools.splice(0)) await pool.close();
});
function pool(...args: Parameters<typeof createIngestPool>): IngestPool {
  const created = createIngestPool(...args);
  pools.push(created);
  return created;
}

describe("createIngestPool", () => {
  it("answers exactly as the in-process ingest does", async () => {
    const p = pool({ size: 1 });
    for (const body of [makeSnapshot(), makeSnapshot({ revision: 0 }), '{"a":', '{"a":1,"a":2}']) {
      expect(await p.ingest(bytesOf(body), target)).toEqual(await ingestSnapshot(bytesOf(body), target));
    }
  });

  it("transfers the body to the worker instead of copying it", async () => {
    const p = pool({ size: 1 });
    const bytes = bytesOf(makeSnapshot());
    const result = p.ingest(bytes, target);
    expect(bytes.byteLength).toBe(0); // detached: the buffer now belongs to the worker
    expect((await result).ok).toBe(true);
  });

  it("sends a copy of just the view when the body is part of a larger buffer, leaving that buffer alone", async () => {
    const p = pool({ size: 1 });
    const text = bytesOf(makeSnapshot());
    const larger = new Uint8Array(text.length + 20);
    larger.set(text, 10);
    const view = larger.subarray(10, 10 + text.length);
    const result = await p.ingest(view, target);
    expect(result.ok).toBe(true);
    expect(larger.byteLength).toBe(text.length + 20);
  });

  it("starts threads on demand, never more than its size, and reuses them", async () => {
    const p = pool({ size: 2 });
    expect(p.threads).toBe(0);
    const jobs = Array.from({ length: 6 }, (_, i) =>
      p.ingest(bytesOf(makeSnapshot({ revision: i + 1 })), target),
    );
    expect(p.threads).toBe(2);
    const results = await Promise.all(jobs);
    expect(results.map((r) => r.ok && r.snapshot.revision)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(p.threads).toBe(2);
  });

  it("defaults to at least one thread", async () => {
    const p = pool({ size: 0 });
    expect((await p.ingest(bytesOf(makeSnapshot()), target)).ok).toBe(true);
    expect(p.threads).toBe(1);
  });

  it.each([
    ["exits", "exit", /ingest worker exited with code 3/],
    ["throws", "throw", /worker blew up/],
  ])("replaces a worker that %s, failing only that job", async (_how, org, reason) => {
    const errors: string[] = [];
    const logger: Logger = {
      info() {},
      warn() {},
      error: (event, fields) => void errors.push(`${event} ${String(fields?.["error"])}`),
    };
    const p = pool({ size: 1, logger, worker: DYING_WORKER });
    expect((await p.ingest(bytesOf(makeSnapshot()), target)).ok).toBe(true);
    await expect(p.ingest(bytesOf(makeSnapshot()), { org, schedule: "icu" })).rejects.toThrow(reason);
    expect(errors).toEqual([expect.stringMatching(reason)]);
    expect(p.threads).toBe(0);
    expect((await p.ingest(bytesOf(makeSnapshot()), target)).ok).toBe(true);
    expect(p.threads).toBe(1);
  });

  it("terminates its threads on close; later and waiting calls reject", async () => {
    const p = pool({ size: 1 });
    expect((await p.ingest(bytesOf(makeSnapshot()), target)).ok).toBe(true);
    const running = expect(p.ingest(bytesOf(makeSnapshot()), target)).rejects.toThrow(
      "the ingest pool is closed",
    );
    const waiting = expect(p.ingest(bytesOf(makeSnapshot()), target)).rejects.toThrow(
      "the ingest pool is closed",
    );
    await p.close();
    expect(p.threads).toBe(0);
    await running;
    await waiting;
    await expect(p.ingest(bytesOf(makeSnapshot()), target)).rejects.toThrow("the ingest pool is closed");
  });
});
