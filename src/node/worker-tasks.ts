/**
 * The thread side of `worker-pool.ts`: receives one task at a time, runs the handler with progress and abort
 * wired to the pool, and answers with the result or the error.
 */
import { parentPort } from "node:worker_threads";
import { toWire, type FromWorker, type ToWorker } from "./worker-pool.ts";

/** Context a task handler gets. */
export interface TaskContext {
  onProgress(n: number): void;
  signal: AbortSignal;
}

/** Serves the pool's tasks with `handler` (call once, at the top of a worker module). */
export function serveTasks<T, R>(handler: (task: T, context: TaskContext) => Promise<R>): void {
  const port = parentPort;
  if (port === null) throw new Error("serveTasks runs only in a worker thread");
  let abort = new AbortController();
  port.on("message", (message: ToWorker<T>) => {
    if (message.type === "abort") {
      abort.abort(new Error("aborted"));
      return;
    }
    abort = new AbortController();
    const send = (reply: FromWorker<R>) => port.postMessage(reply);
    const context: TaskContext = {
      onProgress: (value) => send({ type: "progress", value }),
      signal: abort.signal,
    };
    handler(message.task, context).then(
      (value) => send({ type: "result", value }),
      (error: unknown) => send({ type: "error", error: toWire(error) }),
    );
  });
}
