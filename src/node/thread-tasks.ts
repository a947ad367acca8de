/**
 * The thread side of `thread-pool.ts`: receives one task at a time, runs the handler with progress and abort
 * wired to the pool, and answers with the result or the error. Told to `trim` (the pool keeps it on, idle), it
 * collects its garbage: V8 leaves an idle isolate's heap as its last task grew it — a publish of a big schedule
 * leaves hundreds of MiB — and a thread kept for minutes should hold only what it needs.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { parentPort } from "node:worker_threads";
import { toWire, type FromThread, type ToThread } from "./thread-pool.ts";

/** Context a task handler gets. */
export interface TaskContext {
  onProgress(n: number): void;
  signal: AbortSignal;
}

/** Serves the pool's tasks with `handler` (call once, at the top of a thread's module). */
export function serveTasks<T, R>(handler: (task: T, context: TaskContext) => Promise<R>): void {
  const port = parentPort;
  if (port === null) throw new Error("serveTasks runs only in a worker thread");
  // `gc` is not exposed without the flag, which a `Worker`'s `execArgv` cannot carry; a context made after it is set
  // has it (the way test runners measure leaks).
  setFlagsFromString("--expose-gc");
  const collectGarbage = runInNewContext("gc") as () => void;
  let abort = new AbortController();
  port.on("message", (message: ToThread<T>) => {
    if (message.type === "trim") {
      collectGarbage();
      return;
    }
    if (message.type === "abort") {
      abort.abort(new Error("aborted"));
      return;
    }
    abort = new AbortController();
    const send = (reply: FromThread<R>) => port.postMessage(reply);
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
