/**
 * The serving reads of one thread — feeds (`FeedReader`) and partner ranges (`PartnerReader`) — over that
 * thread's own database connection, built the same way by the main thread and every serving thread: caches
 * invalidated by the shared commit generation, storage reads counted in `/metrics`.
 */
import type { Metrics } from "../core/metrics.ts";
import { PartnerReader } from "../core/partners/partner-reader.ts";
import type { RangeSource } from "../core/partners/range-cache.ts";
import { FeedReader } from "../core/serving/feed-reader.ts";
import type { SqlPort } from "../core/store/sql-port.ts";
import type { FeedTokens } from "../core/tokens.ts";
import type { SharedBodies, TokenIndex } from "../core/serving/feed-reader.ts";
import { gunzipNow, nodeCodec, nodeServingCodec } from "./node-codec.ts";

export interface ServingReadsDeps {
  sql: SqlPort;
  tokens: FeedTokens;
  /** Bytes of hot feed bodies this thread keeps. */
  cacheBytes: number;
  /** Stored bodies shared with other threads, kept there instead of in this thread's cache. Default: none. */
  sharedBodies?: SharedBodies;
  /** Identity bodies up to this size are decompressed inline (synchronous zlib), larger ones on the thread pool. */
  inlineDecompressBytes: number;
  /** The shared commit generation (an `Int32Array` over its `SharedArrayBuffer`). */
  generation: Int32Array;
  metrics: Metrics;
  /** Where partner range pieces come from (the process's cache). */
  ranges: RangeSource;
  /** The shared validator index, asked before the reader's caches and storage. */
  index?: TokenIndex;
}

/** A thread's feed reader and partner reader. */
export function createServingReads(deps: ServingReadsDeps): { reader: FeedReader; partners: PartnerReader } {
  const generation = () => Atomics.load(deps.generation, 0);
  const reader = new FeedReader({
    sql: deps.sql,
    tokens: deps.tokens,
    cacheBytes: deps.cacheBytes,
    codec: nodeServingCodec,
    inline: { gunzip: gunzipNow, maxBytes: deps.inlineDecompressBytes },
    generation,
    ...(deps.index && { index: deps.index }),
    ...(deps.sharedBodies && { sharedBodies: deps.sharedBodies }),
    onStoreRead: (kind) =>
      deps.metrics.inc("shiftfeed_feed_store_reads_total", "Serving reads that went to storage", { kind }),
  });
  return {
    reader,
    partners: new PartnerReader({ sql: deps.sql, codec: nodeCodec, generation, ranges: deps.ranges }),
  };
}
