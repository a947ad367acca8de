/**
 * A bounded pool of `node:worker_threads`, one task per thread at a time: work that would stall the event loop
 * that serves feeds (parsing a 32 MiB body, rendering thousands of feeds) runs here instead. Threads start on
 * demand and end after a while idle, so memory is held only while there is work (the last one lingers longer, its
 * garbage collected, so that work arriving in bursts some minutes apart finds a thread with its code loaded and
 * compiled); a thread that dies fails only its own task (one out of memory with the pool's own error) and is
 * replaced. Bodies are transferred (zero copy); tasks report progress and can be aborted. The thread side is
 * `thread-tasks.ts`.
 */
import { Worker, type ResourceLimits } from "node:worker_threads";
import { ServiceError, type ErrorCode } from "../core/errors.ts";
import type { Logger } from "../core/logger.ts";

/** An error as it crosses the thread boundary: a service error's parts, or the text of anything else. */
export type WireError =
  | {
      service: {
        code: ErrorCode;
        message: string;
        details: ServiceError["details"];
        extra: Record<string, unknown>;
        headers: Record<string, string>;
      };
    }
  | { text: string };

/** Messages between the pool and a thread. */
export type ToThread<T> = { type: "task"; task: T } | { type: "abort" } | { type: "trim" };
export type FromThread<R> =
  { type: "progress"; value: number } | { type: "result"; value: R } | { type: "error"; error: WireError };

export interface ThreadPoolOptions {
  /** The thread's module (it calls `serveTasks`). */
  module: URL;
  /** Most threads at once (at least 1). */
  size: number;
  /** Passed to every thread as `workerData`. */
  workerData?: unknown;
  /** A thread idle this long ends (ms). Default 30 s; `Infinity` keeps threads. */
  idleMs?: number;
  /** The last thread alive ends after this long idle instead (ms), when longer than `idleMs`. Default `idleMs`. */
  lastIdleMs?: number;
  /**
   * Start one thread with the pool, so that the first task finds its code loaded and compiled instead of waiting
   * for a thread to start. Default false: threads start on the first task.
   */
  warm?: boolean;
  /** V8 limits of every thread (`Worker`'s `resourceLimits`); default: V8's own. */
  resourceLimits?: ResourceLimits;
  /**
   * The error a task fails with when its thread ran out of memory (its heap reached its limit), instead of the
   * thread's exit: the task asked for more than a thread may hold, which says nothing of the next task.
   */
  outOfMemory?: () => ServiceError;
  /** Where a thread's death is reported. */
  logger?: Logger;
  /** Name for messages (`render`). */
  name: string;
}

export interface ThreadPool<T, R> {
  /**
   * Runs a task on a free thread (queued until one is). `transfer` lists buffers moved to the thread.
   * Rejects with the task's error (a `ServiceError` comes back as one), or when its thread dies.
   */
  run(
    task: T,
    options?: { transfer?: ArrayBuffer[]; onProgress?: (n: number) => void; signal?: AbortSignal },
  ): Promise<R>;
  readonly size: number;
  /** Threads alive now. */
  readonly threads: number;
  /** Ends every thread; tasks waiting or running reject. */
  close(): Promise<void>;
}

interface Pending<T, R> {
  task: T;
  transfer: ArrayBuffer[];
  onProgress?: (n: number) => void;
  signal?: AbortSignal;
  resolve(value: R): void;
  reject(error: Error): void;
}

interface Slot<T, R> {
  thread: Worker;
  running?: Pending<T, R>;
  idle?: ReturnType<typeof setTimeout>;
}

/** Rebuilds an error sent by a thread. */
export function fromWire(error: WireError): Error {
  if ("service" in error) {
    const s = error.service;
    return new ServiceError(s.code, s.message, s.details, s.extra, s.headers);
  }
  return new Error(error.text);
}

/** An error as it crosses to the pool. */
export function toWire(error: unknown): WireError {
  if (error instanceof ServiceError) {
    const { code, message, details, extra, headers } = error;
    return { service: { code, message, details, extra, headers } };
  }
  return { text: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
}

export function createThreadPool<T, R>(options: ThreadPoolOptions): ThreadPool<T, R> {
  const size = Math.max(1, Math.floor(options.size));
  const idleMs = options.idleMs ?? 30_000;
  const lastIdleMs = Math.max(idleMs, options.lastIdleMs ?? idleMs);
  const slots = new Set<Slot<T, R>>();
  const queue: Pending<T, R>[] = [];
  let closed = false;
  /** Threads that left the pool (idle, or failed) and are still ending. */
  const endings = new Set<Promise<void>>();

  function spawn(): Slot<T, R> {
    const thread = new Worker(options.module, {
      workerData: options.workerData,
      ...(options.resourceLimits && { resourceLimits: options.resourceLimits }),
    });
    const slot: Slot<T, R> = { thread };
    thread.unref();
    thread.on("message", (message: FromThread<R>) => {
      const pending = slot.running;
      if (pending === undefined) return;
      if (message.type === "progress") {
        pending.onProgress?.(message.value);
        return;
      }
      slot.running = undefined;
      thread.unref();
      if (message.type === "result") pending.resolve(message.value);
      else pending.reject(fromWire(message.error));
      rest(slot);
      pump();
    });
    thread.on("error", (error) => fail(slot, error));
    thread.on("exit", (code) => fail(slot, new Error(`${options.name} thread exited with code ${code}`)));
    slots.add(slot);
    return slot;
  }

  /**
   * An idle thread ends after `idleMs` — or, when it is the last one alive by then, is told to give back its
   * garbage and ends after `lastIdleMs` in all — unless a task arrives first.
   */
  function rest(slot: Slot<T, R>, lingering = false): void {
    const delay = lingering ? lastIdleMs - idleMs : idleMs;
    if (!Number.isFinite(delay)) return;
    slot.idle = setTimeout(() => {
      if (slot.running !== undefined) return;
      if (!lingering && lastIdleMs > idleMs && slots.size === 1 && slots.has(slot)) {
        slot.thread.postMessage({ type: "trim" } satisfies ToThread<T>);
        return rest(slot, true);
      }
      if (slots.delete(slot)) end(slot);
    }, delay);
    slot.idle.unref();
  }

  /** A thread died (an uncaught error, an exit): its task fails, and the next task starts a replacement. */
  function fail(slot: Slot<T, R>, error: Error): void {
    if (!slots.delete(slot)) return; // `error` is followed by `exit`: handle the first only
    if (!closed) options.logger?.error(`${options.name}_thread_failed`, { error: String(error) });
    const outOfMemory = (error as { code?: unknown }).code === "ERR_WORKER_OUT_OF_MEMORY";
    slot.running?.reject(outOfMemory && options.outOfMemory ? options.outOfMemory() : error);
    slot.running = undefined;
    end(slot);
    pump();
  }

  /**
   * Ends a thread that left the pool. `close` waits for these too: a process that exits while a thread is still
   * being torn down can abort instead of exiting.
   */
  function end(slot: Slot<T, R>): void {
    const ending = slot.thread.terminate().then(() => undefined); // resolves with the exit code; never rejects
    endings.add(ending);
    void ending.then(() => endings.delete(ending));
  }

  function pump(): void {
    while (queue.length > 0 && !closed) {
      let slot: Slot<T, R> | undefined;
      for (const s of slots) if (s.running === undefined) slot = s;
      if (slot === undefined) {
        if (slots.size >= size) return;
        slot = spawn();
      }
      clearTimeout(slot.idle);
      const pending = queue.shift()!;
      if (pending.signal?.aborted) {
        pending.reject(pending.signal.reason instanceof Error ? pending.signal.reason : new Error("aborted"));
        continue;
      }
      slot.running = pending;
      slot.thread.ref();
      const thread = slot.thread;
      pending.signal?.addEventListener("abort", () => {
        if (slot.running === pending) thread.postMessage({ type: "abort" } satisfies ToThread<T>);
      });
      thread.postMessage({ type: "task", task: pending.task } satisfies ToThread<T>, pending.transfer);
    }
  }

  if (options.warm) rest(spawn());

  return {
    run(task, runOptions = {}) {
      if (closed) return Promise.reject(new Error(`the ${options.name} pool is closed`));
      return new Promise<R>((resolve, reject) => {
        queue.push({
          task,
          transfer: runOptions.transfer ?? [],
          ...(runOptions.onProgress && { onProgress: runOptions.onProgress }),
          ...(runOptions.signal && { signal: runOptions.signal }),
          resolve,
          reject,
        });
        pump();
      });
    },
    size,
    get threads() {
      return slots.size;
    },
    async close() {
      closed = true;
      const error = new Error(`the ${options.name} pool is closed`);
      for (const pending of queue.splice(0)) pending.reject(error);
      const running = [...slots];
      slots.clear();
      for (const slot of running) {
        clearTimeout(slot.idle);
        slot.running?.reject(error);
      }
      await Promise.all([...running.map((slot) => slot.thread.terminate()), ...endings]);
    },
  };
}

/** A buffer a view can be transferred with: its own when the view spans all of it, else a copy of the view. */
export function transferable(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return whole && bytes.buffer instanceof ArrayBuffer
    ? (bytes as Uint8Array<ArrayBuffer>)
    : new Uint8Array(bytes);
}
