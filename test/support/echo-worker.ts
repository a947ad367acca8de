/**
 * A worker-pool thread for tests: answers a task `{ waitMs }` after that long with its own thread id, so a test
 * can tell which thread ran it.
 */
import { threadId } from "node:worker_threads";
import { serveTasks } from "../../src/node/worker-tasks.ts";

serveTasks<{ waitMs: number }, number>(async ({ waitMs }) => {
  await new Promise((resolve) => setTimeout(resolve, waitMs));
  return threadId;
});
