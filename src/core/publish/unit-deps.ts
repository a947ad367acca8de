/**
 * What a unit of publishing work (one schedule's publish, retirement or refresh) needs from its surroundings.
 * Units run wherever the runtime puts them — in a worker thread with its own database connection on Node, in
 * process elsewhere — so everything is passed in.
 */
import type { EventBlockCache } from "../ical/render-events.ts";
import type { SqlPort } from "../store/sql-port.ts";
import type { FeedTokens } from "../tokens.ts";
import type { Codec } from "../compress.ts";
import type { WindowSettings } from "./feed-specs.ts";

/** Settings of the service that shape what is rendered and stored (see docs/settings.md). */
export interface ServiceSettings extends WindowSettings {
  /** Upper bound of the in-memory body cache of a serving thread, in bytes. */
  cacheBytes: number;
  /** Upper bound of the rendered-event cache of a rendering thread, in characters; 0 renders every event. */
  eventCacheChars: number;
  /** Feeds whose identity body is at least this long also store it, to be streamed as is. Default 8 MiB. */
  bigFeedBytes: number;
  /**
   * A schedule feed at least this long (and under `bigFeedBytes`) is hashed and gzipped as it is encoded, never
   * held whole (see `feedBytes`). Default: never (Node); Workers, whose isolate has 128 MB, set it.
   */
  streamFeedBytes?: number;
  /**
   * A unit over a whole schedule expands its events this many people at a time, and keeps its schedule feed's
   * events compactly (`schedule-window.ts`): the same bytes, never every event of a big schedule at once. Default:
   * all at once (Node); Workers set it.
   */
  eventSlice?: number;
}

/** The default for {@link ServiceSettings.bigFeedBytes}. */
export const BIG_FEED_BYTES = 8 * 1024 * 1024;

export interface UnitDeps {
  sql: SqlPort;
  tokens: FeedTokens;
  settings: ServiceSettings;
  /** Rendered events to reuse across feeds and revisions, or `null`. */
  blocks: EventBlockCache | null;
  /** gzip and SHA-256 (`webCodec`, or a runtime's faster one). */
  codec: Codec;
  /** Milliseconds since the epoch. */
  clock: () => number;
  /** Called after every write transaction, whatever its outcome (see `announce.ts`), before the unit resolves. */
  onCommit?: () => void;
}

/** Progress and cancellation of a unit. */
export interface UnitOptions {
  /** Called with how many more feeds were brought up to date. */
  onProgress?: (feeds: number) => void;
  /** Stops the unit before its transaction (it then throws the signal's reason and writes nothing). */
  signal?: AbortSignal;
}
