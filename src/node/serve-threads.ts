/**
 * The main thread's side of the serving threads (`serving-thread.ts`): starts them on the service's port before the
 * database is opened (they answer `503` "starting" meanwhile), opens them once it is, answers the admin requests
 * they forward with the main app (a body streamed from the thread only once the route reads it), and gathers what
 * they report — log lines, counters and who-polls notes — into the main thread's logger, metrics and fetch log:
 * each second on their own, and at once when a read needs it (`flush`).
 */
import { Worker } from "node:worker_threads";
import type { FetchLog } from "../core/fetch-log.ts";
import type { Logger } from "../core/logger.ts";
import type { Metrics } from "../core/metrics.ts";
import type { RangeSource } from "../core/partners/range-cache.ts";
import { answerRangeQuestion } from "./partner-ranges.ts";
import type { ServeOpenData, ServingThreadData, ToMain, ToServer } from "./serve-protocol.ts";
import { threadModule } from "./thread-module.ts";
import { TallyReader } from "./fetch-tally.ts";

const SERVING_THREAD = threadModule("serving-thread", import.meta.url);
/** V8 young-generation size of a serving thread, in MiB. */
const SERVING_YOUNG_GENERATION_MB = 8;

export interface ServeThreadsOptions {
  count: number;
  /** Everything a thread needs before the database is opened (the `ready` flag is made here). */
  data: Omit<ServingThreadData, "ready">;
  logger: Logger;
  metrics: Metrics;
}

/** What the main thread answers with once it has loaded. */
export interface MainAnswers {
  /**
   * The main app's `fetch`: answers requests forwarded by serving threads, and every request when the main thread
   * serves (`SERVE_THREADS=0`), where `env` holds the socket whose peer address the per-client limits key on.
   */
  fetch: (request: Request, env?: unknown) => Response | Promise<Response>;
  fetchLog: FetchLog;
  /** The process's partner range pieces, which the threads ask for. */
  ranges: RangeSource;
}

export interface ServeThreads {
  /**
   * Sends every thread the secrets and waits until each has opened its database connection; then sets the shared
   * `ready` flag, from which on every thread answers for real. Rejects with the first thread that failed to open.
   */
  open(secrets: ServeOpenData, main: MainAnswers): Promise<void>;
  /** Collects every thread's counters, who-polls notes and pending log lines; resolves once all are in. */
  flush(): Promise<void>;
  /** Stops every thread (each closes its listener and connections). */
  close(): Promise<void>;
  /** Tells every thread to read another (larger) validator index. */
  replaceIndex(buffer: SharedArrayBuffer): void;
}

/** Passes a piece of a forwarded body from its thread to the request reading it. */
function bodyChunk(
  bodies: Map<number, ReadableStreamDefaultController<Uint8Array>>,
  message: Extract<ToMain, { type: "body-chunk" }>,
): void {
  const controller = bodies.get(message.id);
  if (controller === undefined) return; // no longer read
  if (message.chunk !== null) return controller.enqueue(message.chunk);
  bodies.delete(message.id);
  if (message.failed) controller.error(new Error("the request body ended early"));
  else controller.close();
}

/**
 * Starts the threads and resolves once every one listens (answering `503` "starting" until `open`); rejects with
 * the first listen failure.
 */
export async function startServeThreads(options: ServeThreadsOptions): Promise<ServeThreads> {
  const { logger, metrics } = options;
  const threads: Worker[] = [];
  /** Flushes under way: the threads yet to report, and whom to tell when none is left. */
  const flushes = new Map<number, { waiting: Set<number>; done: () => void }>();
  /** A thread has reported for `id` (or has ended): the flush is done once no thread is left to. */
  const reported = (id: number, index: number) => {
    const flush = flushes.get(id);
    if (flush === undefined || !flush.waiting.delete(index) || flush.waiting.size > 0) return;
    flushes.delete(id);
    flush.done();
  };
  let nextFlush = 0;
  const readyBuffer = new SharedArrayBuffer(4);
  const data: ServingThreadData = { ...options.data, ready: readyBuffer };
  /** Set by `open`: the main app and fetch log. */
  let main: MainAnswers | null = null;
  /** Per thread, told when it reports `opened` (or why not). */
  const opening: ((failure: string | null) => void)[] = [];
  /** Per thread that has ended, why. */
  const exited: string[] = [];

  const started = Array.from({ length: options.count }, (_, index) => {
    // A small young generation: feed answers make short-lived garbage only, and a smaller nursery keeps the
    // thread's memory down and its collections short (measured: less memory and more requests a second).
    const thread = new Worker(SERVING_THREAD, {
      workerData: data,
      resourceLimits: { maxYoungGenerationSizeMb: SERVING_YOUNG_GENERATION_MB },
    });
    threads.push(thread);
    const post = (message: ToServer, transfer: ArrayBuffer[] = []) => thread.postMessage(message, transfer);
    /** The bodies of this thread's forwarded requests being read, by request id. */
    const bodies = new Map<number, ReadableStreamDefaultController<Uint8Array>>();
    /** This thread's who-polls notes, read into the fetch log. */
    const tally = new TallyReader();
    return new Promise<void>((resolve, reject) => {
      thread.once("error", reject);
      thread.on("exit", (code) => {
        exited[index] = `the thread exited with code ${code}`;
        opening[index]?.(exited[index]);
        for (const id of [...flushes.keys()]) reported(id, index); // an ended thread reports nothing more
        reject(new Error(`serving thread exited with code ${code}`));
      });
      thread.on("message", (message: ToMain) => {
        switch (message.type) {
          case "listening":
            return resolve();
          case "listen-failed":
            return reject(Object.assign(new Error(message.message), { code: message.code }));
          case "opened":
            return opening[index]?.(null);
          case "open-failed":
            return opening[index]?.(message.message);
          case "log":
            return logger[message.level](message.event, message.fields);
          case "fetches":
            return tally.readInto(message.block, main?.fetchLog ?? null);
          case "stats": {
            metrics.merge(`thread-${index}`, message.counters);
            tally.readInto(message.fetches, main?.fetchLog ?? null);
            return reported(message.id, index);
          }
          case "partner-range":
            return main === null ? undefined : answerRangeQuestion(main.ranges, message, post);
          case "body-chunk":
            return bodyChunk(bodies, message);
          case "forward":
            return void answer(message, post, bodies)
              .then((reply) => post(reply, reply.body === null ? [] : [reply.body.buffer as ArrayBuffer]))
              .catch((error: unknown) => logger.error("forward_failed", { error: String(error) }));
        }
      });
    });
  });

  const flush = () =>
    new Promise<void>((resolve) => {
      const id = nextFlush++;
      const live = threads.flatMap((_, index) => (exited[index] === undefined ? [index] : []));
      if (live.length === 0) return resolve();
      flushes.set(id, { waiting: new Set(live), done: resolve });
      for (const index of live) threads[index]!.postMessage({ type: "flush", id } satisfies ToServer);
    });

  /** Answers a forwarded request with the main app; its body comes from the thread if the route reads it. */
  async function answer(
    message: Extract<ToMain, { type: "forward" }>,
    post: (message: ToServer) => void,
    bodies: Map<number, ReadableStreamDefaultController<Uint8Array>>,
  ): Promise<Extract<ToServer, { type: "response" }>> {
    const { id } = message;
    const init: RequestInit & { duplex?: "half" } = { method: message.method, headers: message.headers };
    if (message.body) {
      let asked = false;
      init.duplex = "half";
      init.body = new ReadableStream<Uint8Array>(
        {
          start: (controller) => void bodies.set(id, controller),
          pull: () => {
            if (!asked) post({ type: "body-read", id });
            asked = true;
          },
          cancel: () => {
            if (bodies.delete(id)) post({ type: "body-cancel", id });
          },
        },
        { highWaterMark: 0 },
      );
    }
    try {
      const response = await main!.fetch(new Request(message.url, init));
      const body = response.body === null ? null : new Uint8Array(await response.arrayBuffer());
      return { type: "response", id, status: response.status, headers: [...response.headers], body };
    } finally {
      bodies.delete(id);
    }
  }

  const open = async (secrets: ServeOpenData, answers: MainAnswers) => {
    main = answers;
    const failures = await Promise.all(
      threads.map(
        (thread, index) =>
          new Promise<string | null>((resolve) => {
            opening[index] = resolve;
            if (exited[index] !== undefined) resolve(exited[index]);
            else thread.postMessage({ type: "open", ...secrets } satisfies ToServer);
          }),
      ),
    );
    const failure = failures.find((f) => f !== null);
    if (failure) throw new Error(`a serving thread could not open the database: ${failure}`);
    Atomics.store(new Int32Array(readyBuffer), 0, 1);
  };

  // Once: the clean-up of a failed start and of a stop may both call it.
  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= Promise.all(
      threads.map(
        (thread, index) =>
          new Promise<void>((resolve) => {
            if (exited[index] !== undefined) return resolve();
            thread.once("exit", () => resolve());
            thread.postMessage({ type: "stop" } satisfies ToServer);
            setTimeout(() => void thread.terminate(), 5_000).unref();
          }),
      ),
    ).then(() => undefined));

  try {
    await Promise.all(started);
  } catch (error) {
    await Promise.all(threads.map((w) => w.terminate()));
    throw error;
  }
  for (const w of threads) w.removeAllListeners("error");
  for (const w of threads)
    w.on("error", (error) => logger.error("serving_thread_failed", { error: String(error) }));
  const replaceIndex = (buffer: SharedArrayBuffer) => {
    for (const thread of threads) thread.postMessage({ type: "validator-index", buffer } satisfies ToServer);
  };
  return { open, flush, close, replaceIndex };
}
