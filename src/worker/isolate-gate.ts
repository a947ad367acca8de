/**
 * One big piece of work at a time per isolate. The Durable Objects of one class may share an isolate, and with it
 * its 128 MB: two organizations staging a large snapshot, or running a fan-out batch, at the same moment would
 * each build their whole working set beside the other's. The gate is module state, which every object of the
 * isolate shares, so their big work runs one after the other and the isolate's peak is that of one.
 *
 * A waiter polls rather than waits on a promise the holder settles: settling a promise made by another object's
 * request is not something workerd lets one rely on. A holder that never returns (its invocation cancelled
 * mid-way) cannot stall the isolate: past {@link GATE_MAX_WAIT_MS} a waiter goes ahead anyway. Each piece of
 * work logs one `big_work` line: which organization, in which isolate, how long it waited, whether it ran beside
 * another.
 */

import { workerLogger } from "./logger.ts";

/** How often a waiter looks again, in ms. */
const POLL_MS = 20;
/** Longest a waiter waits for the holder, in ms; then it runs beside it. */
export const GATE_MAX_WAIT_MS = 120_000;

let holder: object | null = null;
/** This isolate's name in the log (made on first use: nothing random runs at module load). */
let isolate: string | null = null;

/**
 * Runs `task` for `org` once no other big task of the isolate is running (or the wait passed
 * {@link GATE_MAX_WAIT_MS}). Not re-entrant: a task must not call it again.
 */
export async function bigWork<T>(org: string, task: () => Promise<T>): Promise<T> {
  isolate ??= crypto.randomUUID();
  const start = Date.now();
  while (holder !== null && Date.now() - start < GATE_MAX_WAIT_MS) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  workerLogger.info("big_work", { org, isolate, waitedMs: Date.now() - start, ranBeside: holder !== null });
  const mine = {};
  holder = mine;
  try {
    return await task();
  } finally {
    if (holder === mine) holder = null;
  }
}
