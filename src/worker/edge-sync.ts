/**
 * Keeps the edge copy of an organization's feeds (R2, one object per live token) equal to its Durable Object's
 * `feeds` table, the authority.
 *
 * - **What changed** is recorded by SQLite triggers on `feeds`, inside the very transaction that changed it (the
 *   core's units and rotations know nothing of the edge): a token hash whose row appeared, went, or changed its
 *   bytes or validators is queued in `edge_outbox`. A crash after a commit therefore never loses an edge write:
 *   the queue is in the same database.
 * - **Draining** makes each queued token hash's R2 object what its row says now: the gzip body with the
 *   validators in custom metadata; for a known dead link (`dead_links`: rotated, or its feed went) an empty
 *   *dead marker* whose metadata says which, so the edge answers it as dead — counted against no one — with the
 *   one read it makes anyway; no object when neither (a hash that was never a link).
 *   Order does not matter (the row is read when its write starts) and a repeat is harmless. Drains run one at a
 *   time, so an older row can never be written over a newer one.
 * - **R2's rate per key** (about one write a second to one object) is kept by spacing writes to one key a second
 *   apart; a change made while its key's write waits is taken by that write (coalesced), and a refused write (a
 *   `429`, a passing failure) is tried again with growing waits before the drain gives up. A feed changed by two
 *   publishes in a row therefore makes the second call wait about a second, never fail.
 * - R2 is strongly consistent: once a drain has returned, every location reads the new object or the 404
 *   (https://developers.cloudflare.com/r2/reference/consistency/). Rotations, publishes and retirements answer
 *   only after draining the **whole** queue, so a rotated link, and every link a retirement removed (however many
 *   thousand), is dead everywhere when the call returns.
 */
import { readBlob } from "../core/store/blob-table.ts";
import { deadLinkOf, type DeadLink } from "../core/store/dead-links-table.ts";
import { feedByTokenHash, type FeedRow } from "../core/store/feeds-table.ts";
import { readMeta, writeMeta } from "../core/store/schema.ts";
import { num, text, type SqlPort } from "../core/store/sql-port.ts";

/** The R2 key of a token hash's object. */
export const edgeKey = (tokenHash: string) => `feeds/${tokenHash}`;

/** The metadata of a dead marker: the object under a dead link's hash (empty body). */
export interface DeadMarker {
  dead: DeadLink;
}

/** The validators and facts a served feed needs, as R2 custom metadata (all strings). */
export interface EdgeMetadata {
  org: string;
  /** Feed key inside the organization, `person/<id>` or `schedule/<id>`. */
  feed: string;
  etag: string;
  /** Seconds since the epoch. */
  lastModified: string;
  /** "1" when an earlier version shared the `lastModified` second. */
  lastModifiedShared: string;
  /** Length of the identity body. */
  size: string;
  events: string;
}

const CHANGE = `OLD.token_hash IS NOT NEW.token_hash OR OLD.etag IS NOT NEW.etag OR OLD.body_key IS NOT NEW.body_key
  OR OLD.last_modified IS NOT NEW.last_modified OR OLD.lm_shared IS NOT NEW.lm_shared`;

const OUTBOX = [
  `CREATE TABLE IF NOT EXISTS edge_outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, token_hash TEXT NOT NULL)`,
  `CREATE TRIGGER IF NOT EXISTS feeds_edge_insert AFTER INSERT ON feeds BEGIN
     INSERT INTO edge_outbox (token_hash) VALUES (NEW.token_hash); END`,
  `CREATE TRIGGER IF NOT EXISTS feeds_edge_update AFTER UPDATE ON feeds WHEN ${CHANGE} BEGIN
     INSERT INTO edge_outbox (token_hash) VALUES (OLD.token_hash);
     INSERT INTO edge_outbox (token_hash) SELECT NEW.token_hash WHERE NEW.token_hash IS NOT OLD.token_hash; END`,
  `CREATE TRIGGER IF NOT EXISTS feeds_edge_delete AFTER DELETE ON feeds BEGIN
     INSERT INTO edge_outbox (token_hash) VALUES (OLD.token_hash); END`,
];

/** Recorded in `meta` once the dead links known before dead markers were queued for theirs. */
const MARKED = "edge_dead_markers_queued";

/**
 * Creates the outbox and its triggers (idempotent). Once per database, every dead link already known is queued,
 * so links that died before dead markers existed get theirs at the next drain.
 */
export function ensureEdgeOutbox(sql: SqlPort): void {
  sql.transaction(() => {
    for (const statement of OUTBOX) sql.run(statement);
    if (readMeta(sql, MARKED) === null) {
      sql.run("INSERT INTO edge_outbox (token_hash) SELECT token_hash FROM dead_links");
      writeMeta(sql, MARKED, "1");
    }
  });
}

/** How many token hashes wait to be written to the edge. */
export function edgeBacklog(sql: SqlPort): number {
  return num(sql.all("SELECT count(DISTINCT token_hash) AS n FROM edge_outbox")[0]!, "n");
}

/** The R2 metadata of a feed row. */
export function edgeMetadata(row: FeedRow): EdgeMetadata {
  return {
    org: row.org,
    feed: row.feed,
    etag: row.etag,
    lastModified: String(row.lastModified),
    lastModifiedShared: row.lastModifiedShared ? "1" : "0",
    size: String(row.size),
    events: String(row.events),
  };
}

/** R2 calls in flight at once while draining (a Worker invocation may hold six connections open). */
const PARALLEL = 6;

/**
 * R2 takes about one write per second to one key (https://developers.cloudflare.com/r2/platform/limits/): writes
 * to the same key are spaced at least this far apart. A second change to a key while its write waits is taken by
 * that same write (the row is read when the write starts), so back-to-back changes to one feed cost one write a
 * second, not a rejected one.
 */
export const KEY_SPACING_MS = 1_000;

/** Waits before each new attempt of a rejected R2 write (a 429 or a passing failure), while a caller waits. */
export const RETRY_DELAYS_MS: readonly number[] = [1_000, 2_000];

/** How writes are paced and retried (tests shorten the waits). */
export interface EdgeSyncOptions {
  spacingMs?: number;
  retryDelaysMs?: readonly number[];
  /** Wall time in ms (never the service's clock, which tests stop). */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** One drain: how many token hashes at most, and whether a rejected write is tried again before giving up. */
export interface DrainOptions {
  limit?: number;
  /** Tries a rejected write again after each of the retry delays (default); `false`: once, the caller re-arms. */
  retry?: boolean;
}

export class EdgeSync {
  readonly #sql: SqlPort;
  readonly #bucket: R2Bucket;
  readonly #spacingMs: number;
  readonly #retryDelaysMs: readonly number[];
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  /** When each key was last written (or a write to it was refused), for the spacing; pruned as it ages. */
  readonly #written = new Map<string, number>();
  #tail: Promise<unknown> = Promise.resolve();

  constructor(sql: SqlPort, bucket: R2Bucket, options: EdgeSyncOptions = {}) {
    this.#sql = sql;
    this.#bucket = bucket;
    this.#spacingMs = options.spacingMs ?? KEY_SPACING_MS;
    this.#retryDelaysMs = options.retryDelaysMs ?? RETRY_DELAYS_MS;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? ((ms) => scheduler.wait(ms));
  }

  /**
   * Writes queued token hashes to R2 — every one of them unless `limit` is given — after any drain already
   * running. The queue is read 100 hashes at a time (memory stays bounded whatever its length), each batch
   * written {@link PARALLEL} calls at a time, each key at most once per {@link KEY_SPACING_MS}; a rejected write
   * is tried again after each of {@link RETRY_DELAYS_MS} unless `retry` is `false`.
   * @returns how many are still queued.
   * @throws the first R2 failure left after the retries (what was written stays written; the rest stays queued).
   */
  drain(options: DrainOptions = {}): Promise<number> {
    const run = this.#tail.then(() => this.#drain(options.limit ?? Infinity, options.retry ?? true));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async #drain(limit: number, retry: boolean): Promise<number> {
    const sql = this.#sql;
    this.#prune();
    let left = limit;
    while (left > 0) {
      const batch = sql
        .all(
          `SELECT token_hash FROM edge_outbox GROUP BY token_hash ORDER BY min(id) LIMIT ?`,
          Math.min(left, 100),
        )
        .map((r) => text(r, "token_hash"));
      if (batch.length === 0) break;
      left -= batch.length;
      for (let i = 0; i < batch.length; i += PARALLEL) {
        const slice = batch.slice(i, i + PARALLEL);
        const results = await Promise.allSettled(slice.map((hash) => this.#write(hash, retry)));
        // What was written leaves the queue, up to the last change its row read included.
        results.forEach((result, n) => {
          if (result.status === "fulfilled")
            sql.run("DELETE FROM edge_outbox WHERE token_hash = ? AND id <= ?", slice[n]!, result.value);
        });
        const failed = results.find((r) => r.status === "rejected");
        if (failed !== undefined) throw failed.reason;
      }
    }
    return edgeBacklog(sql);
  }

  /**
   * Makes one token hash's R2 object what the database says when the write starts, spaced from the key's last
   * write and tried again after a rejection.
   * @returns the last queued change of the hash the written row includes.
   */
  async #write(tokenHash: string, retry: boolean): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const wait = (this.#written.get(tokenHash) ?? -Infinity) + this.#spacingMs - this.#now();
      if (wait > 0) await this.#sleep(wait);
      // Read the row and the queue together (no await between them): the write covers every change queued so far.
      const upto = num(
        this.#sql.all(
          "SELECT coalesce(max(id), 0) AS upto FROM edge_outbox WHERE token_hash = ?",
          tokenHash,
        )[0]!,
        "upto",
      );
      const row = feedByTokenHash(this.#sql, tokenHash);
      const body = row === null ? null : readBlob(this.#sql, row.bodyKey);
      if (row !== null && body === null)
        throw new Error(`the body of a live feed is missing (${tokenHash.slice(0, 12)})`);
      let failure: unknown = null;
      try {
        if (row === null) {
          const dead = deadLinkOf(this.#sql, tokenHash);
          if (dead === null) await this.#bucket.delete(edgeKey(tokenHash));
          else
            await this.#bucket.put(edgeKey(tokenHash), "", { customMetadata: { dead } satisfies DeadMarker });
        } else
          await this.#bucket.put(edgeKey(tokenHash), body!, {
            customMetadata: edgeMetadata(row) as unknown as Record<string, string>,
          });
      } catch (error) {
        failure = error ?? new Error("R2 write failed");
      }
      // A refused write counts against the key's rate too.
      this.#written.set(tokenHash, this.#now());
      if (failure === null) return upto;
      if (!retry || attempt >= this.#retryDelaysMs.length) throw failure;
      await this.#sleep(this.#retryDelaysMs[attempt]!);
    }
  }

  /** Forgets keys written longer ago than the spacing (they need no wait). */
  #prune(): void {
    const before = this.#now() - this.#spacingMs;
    for (const [key, at] of this.#written) if (at <= before) this.#written.delete(key);
  }
}
