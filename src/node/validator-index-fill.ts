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
import { createIndexBuffer, sizeFor, ValidatorIndexWriter, type IndexRow } from "./validator-index.ts";

/** How often the generation is looked at, and how long commits must pause before a refill, in milliseconds. */
const WATCH_MS = 50;
const QUIET_MS = 100;
/**
 * Between two fills at least this many times what the last one took passes (the main thread spends at most a tenth
 * of its time filling), and at most `BACKLOG_FACTOR` times that (at least a second) while commits go on.
 */
const SPACING_FACTOR = 10;
const BACKLOG_FACTOR = 20;

/** Bytes of strings an index entry of a live feed takes, about (keys, ids and the ETag). */
const TYPICAL_STRING_BYTES = 160;
const COUNT = "SELECT (SELECT count(*) FROM feeds) + (SELECT count(*) FROM dead_links) AS n";
const ROWS = `SELECT token_hash, org, feed, etag, last_modified, lm_shared, size, events, body_key, identity_key,
  NULL AS rotated FROM feeds
  UNION ALL SELECT token_hash, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, rotated FROM dead_links`;

/** Every live feed and dead link, as the index holds them. */
export function readIndexRows(sql: SqlPort): IndexRow[] {
  return sql.all(ROWS).map((row): IndexRow => {
    const tokenHash = text(row, "token_hash");
    if (row["feed"] === null) return { tokenHash, dead: num(row, "rotated") === 1 ? "rotated" : "retired" };
    const { kind, id } = parseFeedKey(text(row, "feed") as FeedKey);
    const identity = row["identity_key"];
    return {
      tokenHash,
      entry: {
        kind,
        org: text(row, "org"),
        id,
        bodyKey: text(row, "body_key"),
        identityKey: typeof identity === "string" ? identity : null,
        etag: text(row, "etag"),
        lastModified: num(row, "last_modified"),
        ...(num(row, "lm_shared") !== 0 && { lastModifiedShared: true }),
        size: num(row, "size"),
        events: num(row, "events"),
      },
    };
  });
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

  const fill = () => {
    const started = performance.now();
    const at = Atomics.load(generation, 0); // before the read: what is read is at least this new
    const rows = readIndexRows(sql);
    const replaced = writer.fill(rows, at);
    if (replaced !== null) {
      logger?.info("validator_index_grown", { entries: rows.length });
      for (const listener of listeners) listener(replaced);
    }
    if (filledAt === -1)
      logger?.info("validator_index_filled", {
        entries: rows.length,
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
    if (since < lastFillMs * SPACING_FACTOR) return;
    const quiet = now - seenSince >= QUIET_MS;
    if (!quiet && since < Math.max(1000, lastFillMs * BACKLOG_FACTOR)) return;
    try {
      fill();
    } catch (error) {
      // Storage unavailable for now: readers keep taking their own path, and the next look tries again.
      logger?.warn("validator_index_fill_failed", { error: String(error) });
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
