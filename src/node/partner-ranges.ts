/**
 * Partner ranges on Node: one cache of range pieces for the whole process, in the main thread, filled by a small
 * pool of partner render threads — never by the serving threads, which only ask for pieces (a message to the
 * main thread) and write out the bytes they get back (shared memory, not copied). A range that takes seconds to
 * render therefore never holds up a feed's `304`, two serving threads never render the same months twice, and the
 * memory it takes is bounded: the cache by `CACHE_MB`, rendering by the pool's size.
 */
import { availableParallelism } from "node:os";
import type { Logger } from "../core/logger.ts";
import type { Metrics } from "../core/metrics.ts";
import type { Protection } from "../core/limits/protection.ts";
import {
  RangeCache,
  type RangeAnswer,
  type RangeRequest,
  type RangeSource,
} from "../core/partners/range-cache.ts";
import { renderStoredPieces, type RangePiece } from "../core/partners/render-range.ts";
import type { SqlPort } from "../core/store/sql-port.ts";
import { nodeCodec } from "./node-codec.ts";
import type { ThreadBase } from "./thread-base.ts";
import { createThreadPool } from "./thread-pool.ts";
import { threadModule } from "./thread-module.ts";

/** What every partner render thread is started with: what every thread is (`thread-base.ts`). */
export type PartnerThreadData = ThreadBase;

const PARTNER_THREAD = threadModule("partner-thread", import.meta.url);

/** Partner render threads by default: half the cores (at least one), so serving keeps the other half. */
export function defaultPartnerThreads(): number {
  return Math.max(1, Math.floor(availableParallelism() / 2));
}

export interface PartnerRangesOptions {
  data: PartnerThreadData;
  /** The main thread's connection: used to render in this thread when `threads` is 0. */
  sql: SqlPort;
  /** Partner render threads; 0 renders in the main thread (as `RENDER_THREADS=0` does). */
  threads: number;
  /** Upper bound of the cached pieces' bytes. */
  maxBytes: number;
  protection?: Protection;
  metrics: Metrics;
  logger?: Logger;
}

export interface PartnerRanges {
  source: RangeSource;
  close(): Promise<void>;
}

/** Creates the cache and its pool (threads start on the first render and end after 30 s idle). */
export function createPartnerRanges(options: PartnerRangesOptions): PartnerRanges {
  const { metrics, protection } = options;
  const pool =
    options.threads > 0
      ? createThreadPool<RangeRequest, RangePiece[]>({
          module: PARTNER_THREAD,
          size: options.threads,
          workerData: options.data,
          name: "partner",
          ...(options.logger && { logger: options.logger }),
        })
      : null;
  const render = pool
    ? (request: RangeRequest) => pool.run(request)
    : renderStoredPieces(options.sql, nodeCodec);
  const source = new RangeCache({
    maxBytes: options.maxBytes,
    render: (request) => {
      metrics.inc("shiftfeed_partner_renders_total", "Partner range renders (pieces not cached)");
      return render(request);
    },
    ...(protection && { admit: () => protection.admit("partner") }),
    onPieces: (cached, rendered) => {
      const help = "Pieces of partner ranges answered, from the cache or rendered";
      if (cached > 0) metrics.inc("shiftfeed_partner_range_pieces_total", help, { source: "cache" }, cached);
      if (rendered > 0)
        metrics.inc("shiftfeed_partner_range_pieces_total", help, { source: "render" }, rendered);
    },
  });
  metrics.gauge("shiftfeed_partner_cache_bytes", "Bytes of partner range pieces cached", () => source.bytes);
  return { source, close: () => pool?.close() ?? Promise.resolve() };
}

/** A serving thread's question for pieces, and the main thread's answer. */
export type RangeQuestion = { type: "partner-range"; id: number; request: RangeRequest };
export type RangeReply =
  | { type: "partner-range"; id: number; answer: RangeAnswer }
  | { type: "partner-range"; id: number; error: string };

/** Answers a serving thread's question from the process's cache. */
export function answerRangeQuestion(
  source: RangeSource,
  question: RangeQuestion,
  reply: (message: RangeReply) => void,
): void {
  source.pieces(question.request).then(
    (answer) => reply({ type: "partner-range", id: question.id, answer }),
    (error: unknown) => reply({ type: "partner-range", id: question.id, error: String(error) }),
  );
}

/** A serving thread's range source: asks the main thread; `receive` takes the main thread's replies. */
export function rangesFromMain(ask: (question: RangeQuestion) => void): {
  source: RangeSource;
  receive(reply: RangeReply): void;
} {
  let next = 0;
  const waiting = new Map<number, { resolve(answer: RangeAnswer): void; reject(error: Error): void }>();
  return {
    source: {
      pieces: (request) =>
        new Promise<RangeAnswer>((resolve, reject) => {
          const id = next++;
          waiting.set(id, { resolve, reject });
          ask({ type: "partner-range", id, request });
        }),
    },
    receive(reply) {
      const pending = waiting.get(reply.id);
      waiting.delete(reply.id);
      if ("error" in reply) pending?.reject(new Error(reply.error));
      else pending?.resolve(reply.answer);
    },
  };
}
