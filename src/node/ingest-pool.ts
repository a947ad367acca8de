/**
 * Snapshot ingest on Node, off the main thread: a bounded pool of `node:worker_threads` running the core's
 * `ingestSnapshot` (`ingest-worker.ts`). A hostile 32 MiB body then costs a worker's time, never the event loop
 * that answers feed requests. Bodies are transferred to the worker (zero copy); only the small result comes back.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { Logger } from "../core/logger.ts";
import type { Ingest, IngestResult, IngestTarget } from "../core/snapshot/ingest.ts";

/** A body to ingest, as posted to a worker (one job at a time per worker). */
export interface IngestJob {
  bytes: Uint8Array;
  target: IngestTarget;
}

/** A worker's answer: the result, or the text of an exception `ingestSnapshot` threw. */
export type IngestReply = { result: IngestResult } | { error: string };

export interface IngestPoolOptions {
  /** Most worker threads. Default: `os.availableParallelism()`, at least 1. Started on demand, kept until close. */
  size?: number;
  /** The worker module. Default `ingest-worker.ts`; tests pass one that can die on purpose. */
  worker?: URL;
  /** Where a worker's crash is reported (`ingest_worker_failed`). */
  logger?: Logger;
}

export interface IngestPool {
  /** The admin routes' `ingest` dependency. Rejects if the worker running it dies (the route answers 500). */
  ingest: Ingest;
  /** Worker threads alive now. */
  readonly threads: number;
  /** Terminates every worker; jobs still waiting or running reject. */
  close(): Promise<void>;
}

const INGEST_WORKER = new URL("./ingest-worker.ts", import.meta.url);

interface Pending {
  job: IngestJob;
  resolve(result: IngestResult): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  running?: Pending;
}

/**
 * @example
 * const pool = createIngestPool({ logger });
 * const app = createApp({ ...deps, ingest: pool.ingest });
 * // on shutdown
 * await pool.close();
 */
export function createIngestPool(options: IngestPoolOptions = {}): IngestPool {
  const size = Math.max(1, Math.floor(options.size ?? availableParallelism()));
  const slots = new Set<Slot>();
  const queue: Pending[] = [];
  let closed = false;

  function spawn(): Slot {
    const worker = new Worker(options.worker ?? INGEST_WORKER);
    const slot: Slot = { worker };
    worker.unref();
    worker.on("message", (reply: IngestReply) => {
      const pending = slot.running;
      slot.running = undefined;
      worker.unref();
      if (pending !== undefined) {
        if ("error" in reply) pending.reject(new Error(`snapshot ingest failed: ${reply.error}`));
        else pending.resolve(reply.result);
      }
      pump();
    });
    worker.on("error", (error) => fail(slot, error));
    worker.on("exit", (code) => fail(slot, new Error(`ingest worker exited with code ${code}`)));
    slots.add(slot);
    return slot;
  }

  /** A worker died (an uncaught error, an exit): its job fails, and the next job starts a replacement. */
  function fail(slot: Slot, error: Error): void {
    if (!slots.delete(slot)) return; // `error` is followed by `exit`: handle the first only
    options.logger?.error("ingest_worker_failed", { error: String(error) });
    slot.running?.reject(error);
    slot.running = undefined;
    void slot.worker.terminate();
    pump();
  }

  function pump(): void {
    while (queue.length > 0 && !closed) {
      let slot: Slot | undefined;
      for (const s of slots) if (s.running === undefined) slot = s;
      if (slot === undefined) {
        if (slots.size >= size) return;
        slot = spawn();
      }
      const pending = queue.shift()!;
      slot.running = pending;
      slot.worker.ref();
      // Transfer the body's buffer: as it is when the view spans all of it (a body from `readBodyCapped` does),
      // else a copy of just the view (posting a view would copy the whole buffer behind it).
      const { bytes, target } = pending.job;
      const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
      const own = whole && bytes.buffer instanceof ArrayBuffer ? bytes : new Uint8Array(bytes);
      slot.worker.postMessage({ bytes: own, target } satisfies IngestJob, [own.buffer as ArrayBuffer]);
    }
  }

  return {
    ingest(bytes, target) {
      if (closed) return Promise.reject(new Error("the ingest pool is closed"));
      return new Promise<IngestResult>((resolve, reject) => {
        queue.push({ job: { bytes, target }, resolve, reject });
        pump();
      });
    },
    get threads() {
      return slots.size;
    },
    async close() {
      closed = true;
      const error = new Error("the ingest pool is closed");
      for (const pending of queue.splice(0)) pending.reject(error);
      const workers = [...slots];
      slots.clear();
      for (const slot of workers) slot.running?.reject(error);
      await Promise.all(workers.map((slot) => slot.worker.terminate()));
    },
  };
}
