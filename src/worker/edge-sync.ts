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
 *   Order does not matter (the row is read at drain time) and a repeat is harmless. Drains run one at a time, so
 *   an older row can never be written over a newer one.
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

export class EdgeSync {
  readonly #sql: SqlPort;
  readonly #bucket: R2Bucket;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(sql: SqlPort, bucket: R2Bucket) {
    this.#sql = sql;
    this.#bucket = bucket;
  }

  /**
   * Writes queued token hashes to R2 — every one of them unless `limit` is given — after any drain already
   * running. The queue is read 100 hashes at a time (memory stays bounded whatever its length), each batch
   * written {@link PARALLEL} calls at a time.
   * @returns how many are still queued.
   * @throws the first R2 failure (what was written stays written; the rest stays queued).
   */
  drain(limit = Infinity): Promise<number> {
    const run = this.#tail.then(() => this.#drain(limit));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async #drain(limit: number): Promise<number> {
    const sql = this.#sql;
    let left = limit;
    while (left > 0) {
      const batch = sql
        .all(
          `SELECT token_hash, max(id) AS upto FROM edge_outbox GROUP BY token_hash ORDER BY min(id) LIMIT ?`,
          Math.min(left, 100),
        )
        .map((r) => ({ hash: text(r, "token_hash"), upto: num(r, "upto") }));
      if (batch.length === 0) break;
      left -= batch.length;
      for (let i = 0; i < batch.length; i += PARALLEL) {
        const slice = batch.slice(i, i + PARALLEL);
        await Promise.all(slice.map(({ hash }) => this.#write(hash)));
        for (const { hash, upto } of slice)
          sql.run("DELETE FROM edge_outbox WHERE token_hash = ? AND id <= ?", hash, upto);
      }
    }
    return edgeBacklog(sql);
  }

  /** Makes one token hash's R2 object what the database says now. */
  async #write(tokenHash: string): Promise<void> {
    const row = feedByTokenHash(this.#sql, tokenHash);
    if (row === null) {
      const dead = deadLinkOf(this.#sql, tokenHash);
      if (dead === null) await this.#bucket.delete(edgeKey(tokenHash));
      else await this.#bucket.put(edgeKey(tokenHash), "", { customMetadata: { dead } satisfies DeadMarker });
      return;
    }
    const body = readBlob(this.#sql, row.bodyKey);
    if (body === null) throw new Error(`the body of a live feed is missing (${tokenHash.slice(0, 12)})`);
    await this.#bucket.put(edgeKey(tokenHash), body, {
      customMetadata: edgeMetadata(row) as unknown as Record<string, string>,
    });
  }
}
