/**
 * A thread of the thread pool for tests: answers a task after `waitMs` with its own thread id, so a test can tell which
 * thread ran it. With `holdMiB`, the task first builds that much garbage it holds until it ends (so it reaches
 * the old generation); with `heap`, it answers its V8 heap's committed bytes instead of the thread id. Its
 * `workerData` may carry `collectAfterBytes` for `serveTasks`.
 */
import { getHeapStatistics } from "node:v8";
import { threadId, workerData } from "node:worker_threads";
import { serveTasks } from "../../src/node/thread-tasks.ts";

export interface EchoTask {
  waitMs: number;
  holdMiB?: number;
  heap?: boolean;
}

const options = (workerData ?? {}) as { collectAfterBytes?: number };

serveTasks<EchoTask, number>(async ({ waitMs, holdMiB = 0, heap = false }) => {
  const held: number[][] = [];
  for (let i = 0; i < holdMiB * 16; i++) held.push(Array.from({ length: 8192 }, (_, j) => j + 0.5));
  await new Promise((resolve) => setTimeout(resolve, waitMs));
  held.length = 0;
  return heap ? getHeapStatistics().total_heap_size : threadId;
}, options);
