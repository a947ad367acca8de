/**
 * The thread pool behind publishing (`src/node/thread-pool.ts`): threads start on demand (or one with the pool, when
 * warm), idle ones end, and the last one lingers longer so that the next burst of work finds it running.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ServiceError } from "../../src/core/errors.ts";
import { createThreadPool, type ThreadPool } from "../../src/node/thread-pool.ts";
import type { EchoTask } from "../support/echo-thread.ts";

const ECHO = new URL("../support/echo-thread.ts", import.meta.url);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `ok()` holds, for at most `ms`; returns whether it did. */
async function until(ok: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(20)) if (ok()) return true;
  return ok();
}

describe("thread pool: idle threads", () => {
  let pool: ThreadPool<EchoTask, number> | undefined;
  afterEach(() => pool?.close());

  it("ends idle threads after idleMs but keeps the last one for lastIdleMs, which then runs the next task", async () => {
    pool = createThreadPool({ module: ECHO, size: 2, name: "echo", idleMs: 200, lastIdleMs: 3_000 });
    const p = pool;
    expect(p.threads).toBe(0); // started on demand
    const [a, b] = await Promise.all([p.run({ waitMs: 300 }), p.run({ waitMs: 300 })]);
    expect(a).not.toBe(b);
    expect(p.threads).toBe(2);
    // The extra thread ends after idleMs; the last one stays.
    expect(await until(() => p.threads === 1, 2_000)).toBe(true);
    await sleep(800);
    expect(p.threads).toBe(1);
    // A task well past idleMs runs on the thread that stayed, without starting one.
    const c = await p.run({ waitMs: 0 });
    expect([a, b]).toContain(c);
    expect(p.threads).toBe(1);
    // Then it ends too, lastIdleMs after its last task.
    expect(await until(() => p.threads === 0, 6_000)).toBe(true);
  }, 15_000);

  it("lets the thread that stays give back the memory its last task used, once idle", async () => {
    pool = createThreadPool({ module: ECHO, size: 1, name: "echo", idleMs: 200, lastIdleMs: 10_000 });
    const p = pool;
    const busy = await p.run({ waitMs: 0, holdMiB: 256, heap: true });
    expect(busy).toBeGreaterThan(256 << 20); // the garbage reached the heap
    await sleep(1_500); // past idleMs: the pool asks the thread to collect its garbage
    const rested = await p.run({ waitMs: 0, heap: true });
    expect(p.threads).toBe(1);
    expect(rested).toBeLessThan(busy / 2);
  }, 15_000);

  it("with collectAfterBytes, a busy thread gives back a task's garbage right after it, before the next task", async () => {
    // idleMs far away: no rest and no trim; only the collection after the task can give the heap back.
    const options = { module: ECHO, size: 1, name: "echo", idleMs: 60_000 };
    pool = createThreadPool({ ...options, workerData: { collectAfterBytes: 32 << 20 } });
    const p = pool;
    const busy = await p.run({ waitMs: 0, holdMiB: 256, heap: true });
    expect(busy).toBeGreaterThan(256 << 20);
    const next = await p.run({ waitMs: 0, heap: true });
    expect(next).toBeLessThan(busy / 2);
  }, 15_000);

  it("a task whose thread runs out of memory fails with the pool's error, and the next task runs on a new thread", async () => {
    pool = createThreadPool({
      module: ECHO,
      size: 1,
      name: "echo",
      resourceLimits: { maxOldGenerationSizeMb: 48 },
      outOfMemory: () => new ServiceError("payload_too_large", "too big for a thread"),
    });
    const p = pool;
    const first = await p.run({ waitMs: 0 });
    const failed = await p.run({ waitMs: 0, holdMiB: 256 }).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(ServiceError);
    expect((failed as ServiceError).code).toBe("payload_too_large");
    const next = await p.run({ waitMs: 0, holdMiB: 8 });
    expect(next).not.toBe(first);
  }, 15_000);

  it("a warm pool starts one thread with itself, which runs the first task and, with lastIdleMs Infinity, never ends", async () => {
    pool = createThreadPool({
      module: ECHO,
      size: 2,
      name: "echo",
      idleMs: 200,
      lastIdleMs: Infinity,
      warm: true,
    });
    const p = pool;
    expect(p.threads).toBe(1); // started with the pool, before any task
    await sleep(1_000); // well past idleMs: the warm thread stays
    expect(p.threads).toBe(1);
    const first = await p.run({ waitMs: 0 });
    expect(p.threads).toBe(1); // the first task ran on the warm thread, starting none
    const [a, b] = await Promise.all([p.run({ waitMs: 300 }), p.run({ waitMs: 300 })]);
    expect(a).toBe(first); // the thread that ran the first task, still there
    expect(b).not.toBe(a); // two at once started a second thread
    // Whichever is idle first ends after idleMs; the last stays for good.
    expect(await until(() => p.threads === 1, 2_000)).toBe(true);
    await sleep(1_000);
    expect(p.threads).toBe(1);
  }, 15_000);

  it("without lastIdleMs, the last thread ends after idleMs like the others", async () => {
    pool = createThreadPool({ module: ECHO, size: 2, name: "echo", idleMs: 200 });
    const p = pool;
    await Promise.all([p.run({ waitMs: 100 }), p.run({ waitMs: 100 })]);
    expect(await until(() => p.threads === 0, 3_000)).toBe(true);
  }, 10_000);
});
