/**
 * Keeps the shared validator index (`validator-index.ts`) filled: once just after start (serving threads answer from
 * their own read path until then, so a start does not wait for it), and again after commits — on the main thread, from its own connection, in one statement (one snapshot of the
 * feeds and the dead links together). Commits land on any thread and only bump the shared generation, so this
 * watches the generation: it refills once commits have paused for a moment, and at the latest after a wait that
 * grows with what a fill costs; fills are spaced by ten times what the last one took, so a long publish spends at
 * most a tenth of the main thread on them, never one fill per commit. Until a fill is done, readers take their own read path, so nothing stale is ever
 * answered.
 */
import type { Logger } from "../core/logger.ts";
import { parseFeedKey, type FeedKey } from "../core/store/keys.ts";
import { num, text, type SqlPort } from "../core/store/sql-port.ts";
import type { FeedEntry } from "../core/serving/feed-entry.ts";
import { ValidatorIndexWriter, type IndexTotals } from "./validator-index.ts";
import { createIndexBuffer, sizeFor, type IndexRow } from "./validator-index-layout.ts";

/** How often the generation is looked at, and how long commits must pause before a refill, in milliseconds. */
const WATCH_MS = 50;
const QUIET_MS = 100;
/**
 * Between two fills at least this many times what the last one took passes (the main thread spends at most a tenth
 * of its time filling), and at most `BACKLOG_FACTOR` times that (at least a second) while commits go on.
 */
const SPACING_FACTOR = 10;
/** The longest wait before trying again after fills failed in a row. */
const MAX_RETRY_MS = 30_000;
const BACKLOG_FACTOR = 20;

/** Bytes of strings an index entry of a live feed takes, about (keys, ids and the ETag). */
const TYPICAL_STRING_BYTES = 160;
/** Rows read at a time: a fill holds one chunk in memory, never the whole table as objects. */
const CHUNK = 2048;
const COUNT = "SELECT (SELECT count(*) FROM feeds) + (SELECT count(*) FROM dead_links) AS n";
const TOTALS = `SELECT (SELECT count(*) FROM feeds) + (SELECT count(*) FROM dead_links) AS n,
  (SELECT coalesce(sum(length(CAST(org AS BLOB)) + length(CAST(feed AS BLOB)) + length(CAST(etag AS BLOB))
    + length(CAST(body_key AS BLOB)) + coalesce(length(CAST(identity_key AS BLOB)), 0)), 0) FROM feeds) AS bytes`;
const FEEDS = `SELECT rowid AS r, token_hash, org, feed, etag, last_modified, lm_shared, size, events, body_key,
  identity_key FROM feeds WHERE rowid > ? ORDER BY rowid LIMIT ${CHUNK}`;
const DEAD = `SELECT token_hash, rotated FROM dead_links WHERE token_hash > ? ORDER BY token_hash LIMIT ${CHUNK}`;

/** How many rows the index is filled with, and an upper bound of their strings' bytes. */
export function indexTotals(sql: SqlPort): IndexTotals {
  const row = sql.all(TOTALS)[0]!;
  return { rows: num(row, "n"), stringBytes: num(row, "bytes") };
}

/** Every live feed and dead link, as the index holds them, read a chunk at a time. */
export function* indexRows(sql: SqlPort): Generator<IndexRow> {
  for (let after = 0, rows = sql.all(FEEDS, after); rows.length > 0; rows = sql.all(FEEDS, after)) {
    for (const row of rows) {
      const { kind, id } = parseFeedKey(text(row, "feed") as FeedKey);
      const identity = row["identity_key"];
      const entry: FeedEntry = {
        kind,
        org: text(row, "org"),
        id,
        bodyKey: text(row, "body_key"),
        identityKey: typeof identity === "string" ? identity : null,
        etag: text(row, "etag"),
        lastModified: num(row, "last_modified"),
        size: num(row, "size"),
        events: num(row, "events"),
      };
      if (num(row, "lm_shared") !== 0) entry.lastModifiedShared = true;
      yield { tokenHash: text(row, "token_hash"), entry };
    }
    after = num(rows[rows.length - 1]!, "r");
  }
  for (let after = "", rows = sql.all(DEAD, after); rows.length > 0; rows = sql.all(DEAD, after)) {
    for (const row of rows) {
      yield { tokenHash: text(row, "token_hash"), dead: num(row, "rotated") === 1 ? "rotated" : "retired" };
    }
    after = text(rows[rows.length - 1]!, "token_hash");
  }
}

/**
 * Fills `writer` from `sql` in one read transaction (one snapshot: the totals and every chunk agree, and a commit
 * on another thread meanwhile is not half seen). Returns the new table when the writer made one.
 */
export function fillFrom(
  sql: SqlPort,
  writer: ValidatorIndexWriter,
  generation: number,
): SharedArrayBuffer | null {
  sql.run("BEGIN");
  try {
    return writer.fill(indexRows(sql), indexTotals(sql), generation);
  } finally {
    sql.run("COMMIT");
  }
}

export interface IndexKeeper {
  /** The table serving threads open with (the latest, when a fill made a larger one). */
  readonly buffer: SharedArrayBuffer;
  /** Told when a fill made a larger table: readers move to it. */
  onReplace(listener: (buffer: SharedArrayBuffer) => void): void;
  /** Starts watching the generation: the first fill comes moments later. */
  start(): void;
  /** Milliseconds the last fill took. */
  readonly lastFillMs: number;
  stop(): void;
}

/**
 * Makes the index (empty, sized by a count) that keeps itself filled from `sql` as `generation` moves, once
 * started.
 * @param generation the shared commit generation.
 */
export function keepValidatorIndex(sql: SqlPort, generation: Int32Array, logger?: Logger): IndexKeeper {
  const listeners: ((buffer: SharedArrayBuffer) => void)[] = [];
  // Sized by a count (no row read yet) at an average entry's strings; the first fill makes a larger one if needed.
  const counted = num(sql.all(COUNT)[0]!, "n");
  const writer = new ValidatorIndexWriter(
    createIndexBuffer(sizeFor(counted, counted * TYPICAL_STRING_BYTES)),
  );
  let filledAt = -1;
  let lastFillMs = 0;
  let lastFillEnd = 0;
  let seen = Atomics.load(generation, 0);
  let seenSince = performance.now();
  /** Fills failed in a row, and when the next may be tried: 1 s after the first failure, doubling up to 30 s. */
  let failures = 0;
  let retryAt = 0;

  const fill = () => {
    const started = performance.now();
    const at = Atomics.load(generation, 0); // before the read: what is read is at least this new
    const replaced = fillFrom(sql, writer, at);
    if (replaced !== null) {
      logger?.info("validator_index_grown", { bytes: replaced.byteLength });
      for (const listener of listeners) listener(replaced);
    }
    if (filledAt === -1)
      logger?.info("validator_index_filled", {
        ms: Math.round(performance.now() - started),
      });
    filledAt = at;
    lastFillEnd = performance.now();
    lastFillMs = lastFillEnd - started;
  };
  let watch: ReturnType<typeof setInterval> | undefined;
  const look = () => {
    const now = performance.now();
    const current = Atomics.load(generation, 0);
    if (current === filledAt) return;
    if (current !== seen) {
      seen = current;
      seenSince = now;
    }
    const since = now - lastFillEnd;
    if (since < lastFillMs * SPACING_FACTOR || now < retryAt) return;
    const quiet = now - seenSince >= QUIET_MS;
    if (!quiet && since < Math.max(1000, lastFillMs * BACKLOG_FACTOR)) return;
    try {
      fill();
      if (failures > 0) logger?.info("validator_index_fill_recovered", { failures });
      failures = 0;
    } catch (error) {
      // Storage unavailable for now: readers keep taking their own path (answering 503 while it is), and a
      // later look tries again. One line for a run of failures, not one every look.
      if (failures === 0) logger?.warn("validator_index_fill_failed", { error: String(error) });
      failures++;
      retryAt = now + Math.min(MAX_RETRY_MS, 1000 * 2 ** (failures - 1));
      lastFillEnd = now;
    }
  };

  return {
    get buffer() {
      return writer.buffer;
    },
    onReplace: (listener) => void listeners.push(listener),
    get lastFillMs() {
      return lastFillMs;
    },
    start: () => {
      seenSince = performance.now();
      watch ??= setInterval(look, WATCH_MS);
      watch.unref();
    },
    stop: () => clearInterval(watch),
  };
}
