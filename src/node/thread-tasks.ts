/**
 * The thread side of `thread-pool.ts`: receives one task at a time, runs the handler with progress and abort
 * wired to the pool, and answers with the result or the error. Told to `trim` (the pool keeps it on, idle), it
 * collects its garbage: V8 leaves an idle isolate's heap as its last task grew it — a publish of a big schedule
 * leaves hundreds of MiB — and a thread kept for minutes should hold only what it needs. Given `collectAfterBytes`,
 * it also collects right after a task that left that much more garbage than the thread held after its last
 * collection: V8 grows a busy isolate's heap before it collects much, so a burst of tasks (a publish of many
 * schedules, a regeneration) would otherwise hold hundreds of MiB per thread of garbage from tasks already done.
 */
import { getHeapStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { parentPort } from "node:worker_threads";
import { toWire, type FromThread, type ToThread } from "./thread-pool.ts";

/** Context a task handler gets. */
export interface TaskContext {
  onProgress(n: number): void;
  signal: AbortSignal;
}

/** How a thread serves its tasks. */
export interface ServeTasksOptions {
  /**
   * Collect the garbage right after a task (its answer sent) when the V8 heap in use has grown this many bytes past
   * what it was after the thread's last collection. Default: never (V8 decides).
   */
  collectAfterBytes?: number;
}

/** Serves the pool's tasks with `handler` (call once, at the top of a thread's module). */
export function serveTasks<T, R>(
  handler: (task: T, context: TaskContext) => Promise<R>,
  options: ServeTasksOptions = {},
): void {
  const port = parentPort;
  if (port === null) throw new Error("serveTasks runs only in a worker thread");
  // `gc` is not exposed without the flag, which a `Worker`'s `execArgv` cannot carry; a context made after it is set
  // has it (the way test runners measure leaks).
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  /** Heap in use after the last collection asked for here. */
  let kept = 0;
  const collectGarbage = () => {
    gc();
    kept = getHeapStatistics().used_heap_size;
  };
  const afterTask = () => {
    const over = options.collectAfterBytes;
    if (over !== undefined && getHeapStatistics().used_heap_size - kept > over) collectGarbage();
  };
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
    handler(message.task, context)
      .then(
        (value) => send({ type: "result", value }),
        (error: unknown) => send({ type: "error", error: toWire(error) }),
      )
      .finally(afterTask);
  });
}
