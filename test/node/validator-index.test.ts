/**
 * The shared validator index: what it answers for live feeds, dead links and tokens never issued, that a commit
 * makes every thread stop answering from it at once (a rotated token never opens its feed from a stale entry),
 * and that a fill too big for the table moves readers to a larger one instead of answering from a partial table.
 */
import { createHash } from "node:crypto";
import { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import type { FeedEntry } from "../../src/core/serving/feed-entry.ts";
import { ensureSchema } from "../../src/core/store/schema.ts";
import { openNodeSqlite } from "../../src/node/store/node-sqlite.ts";
import { fillFrom } from "../../src/node/validator-index-fill.ts";
import { ValidatorIndexReader, ValidatorIndexWriter, totalsOf } from "../../src/node/validator-index.ts";
import { createIndexBuffer, sizeFor, type IndexRow } from "../../src/node/validator-index-layout.ts";

const hashOf = (token: string) => createHash("sha256").update(token).digest("hex");

const entry = (n: number, extra: Partial<FeedEntry> = {}): FeedEntry => ({
  kind: "person",
  org: "acme",
  id: `p${n}`,
  bodyKey: `f/${hashOf(`body${n}`)}`,
  identityKey: null,
  etag: `W/"${n.toString(16)}-${hashOf(`etag${n}`).slice(0, 22)}"`,
  lastModified: 1_790_000_000 + n,
  size: 1000 + n,
  events: n % 50,
  ...extra,
});

const live = (n: number, extra: Partial<FeedEntry> = {}): IndexRow => ({
  tokenHash: hashOf(`token${n}`),
  entry: entry(n, extra),
});

describe("validator index", () => {
  const workers: Worker[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.terminate()));
  });

  it("answers live feeds, dead links and never-issued tokens at the generation it was filled at, nothing at another", () => {
    const rows: IndexRow[] = [
      ...Array.from({ length: 300 }, (_, n) => live(n)),
      live(300, { kind: "schedule", identityKey: "i/big", lastModifiedShared: true, org: "stmärys" }),
      { tokenHash: hashOf("old"), dead: "rotated" },
      { tokenHash: hashOf("gone"), dead: "retired" },
    ];
    const buffer = createIndexBuffer(sizeFor(rows.length, 64 * 1024));
    const writer = new ValidatorIndexWriter(buffer);
    expect(writer.fill(rows, totalsOf(rows), 7)).toBeNull();
    const reader = new ValidatorIndexReader(buffer);
    for (const row of rows) {
      expect(reader.find(row.tokenHash, 7)).toEqual("entry" in row ? row.entry : row.dead);
      expect(reader.knows(row.tokenHash)).toBe(true);
    }
    expect(reader.find(hashOf("never issued"), 7)).toBeNull();
    expect(reader.knows(hashOf("never issued"))).toBe(false);
    // Another generation: a commit happened since the fill, and the table tells nothing until it is filled again.
    expect(reader.find(rows[0]!.tokenHash, 8)).toBeUndefined();
    expect(reader.find(hashOf("never issued"), 8)).toBeUndefined();
  });

  it("hands a feed polled again the entry it decoded, and never one of an earlier fill", () => {
    const rows = Array.from({ length: 40 }, (_, n) => live(n));
    const buffer = createIndexBuffer(sizeFor(rows.length, 16 * 1024));
    const writer = new ValidatorIndexWriter(buffer);
    const reader = new ValidatorIndexReader(buffer);
    writer.fill(rows, totalsOf(rows), 3);
    const first = reader.find(rows[5]!.tokenHash, 3);
    expect(first).toEqual(entry(5));
    expect(reader.find(rows[5]!.tokenHash, 3)).toBe(first); // the same object: nothing decoded again
    // Filled again at the same generation, with other validators and the feed's slot taken by another token: every
    // answer is the new fill's, in either half.
    for (const round of [1, 2]) {
      const etag = `W/"round-${round}"`;
      const again: IndexRow[] = [
        live(1000 + round),
        { tokenHash: rows[6]!.tokenHash, dead: "retired" },
        ...rows
          .filter((_, n) => n !== 6)
          .map((r) => ("entry" in r ? { ...r, entry: { ...r.entry, etag } } : r)),
      ];
      writer.fill(again, totalsOf(again), 3);
      expect(reader.find(rows[5]!.tokenHash, 3)).toEqual({ ...entry(5), etag });
      expect(reader.find(rows[6]!.tokenHash, 3)).toBe("retired");
      expect(reader.find(hashOf(`token${1000 + round}`), 3)).toEqual(entry(1000 + round));
    }
  });

  it("a commit is seen by another thread at once: a rotated token stops answering from its old entry", async () => {
    const generation = new SharedArrayBuffer(4);
    const commits = new Int32Array(generation);
    const rows = Array.from({ length: 50 }, (_, n) => live(n));
    const buffer = createIndexBuffer(sizeFor(rows.length, 16 * 1024));
    const writer = new ValidatorIndexWriter(buffer);
    writer.fill(rows, totalsOf(rows), 0);
    const worker = new Worker(new URL("../support/index-reader-thread.ts", import.meta.url), {
      workerData: { buffer, generation },
    });
    workers.push(worker);
    const ask = (hash: string) =>
      new Promise<unknown>((resolve) => {
        worker.once("message", resolve);
        worker.postMessage(hash);
      });
    const rotated = rows[3]!.tokenHash;
    expect(await ask(rotated)).toEqual(entry(3));
    Atomics.add(commits, 0, 1); // the rotation's commit, on some other thread
    expect(await ask(rotated)).toBe("unknown");
    expect(await ask(rows[4]!.tokenHash)).toBe("unknown");
    const after: IndexRow[] = [
      ...rows.filter((r) => r.tokenHash !== rotated),
      { tokenHash: rotated, dead: "rotated" },
      live(1003),
    ];
    writer.fill(after, totalsOf(after), Atomics.load(commits, 0));
    expect(await ask(rotated)).toBe("rotated");
    expect(await ask(hashOf("token1003"))).toEqual(entry(1003));
  });

  it("a fill that does not fit makes a larger table, and the full one is never read as if complete", () => {
    const small = createIndexBuffer({ slots: 1024, heapBytes: 1 << 16 });
    const writer = new ValidatorIndexWriter(small);
    const reader = new ValidatorIndexReader(small);
    writer.fill([live(0)], totalsOf([live(0)]), 1);
    expect(reader.find(hashOf("token0"), 1)).toEqual(entry(0));
    const rows = Array.from({ length: 600 }, (_, n) => live(n)); // more than half the slots
    const bigger = writer.fill(rows, totalsOf(rows), 2);
    expect(bigger).not.toBeNull();
    expect(writer.buffer).toBe(bigger);
    // The full table was not filled at generation 2: it answers nothing there, not "never issued".
    expect(reader.find(hashOf("token599"), 2)).toBeUndefined();
    reader.replace(bigger!);
    for (const row of rows)
      expect(reader.find(row.tokenHash, 2)).toEqual((row as { entry: FeedEntry }).entry);
    // Strings alone can overflow a table too.
    const long = Array.from({ length: 40 }, (_, n) => live(n, { bodyKey: "b".repeat(8000) }));
    const again = writer.fill(long, totalsOf(long), 3);
    expect(again).not.toBeNull();
    reader.replace(again!);
    expect(reader.find(long[39]!.tokenHash, 3)).toEqual(entry(39, { bodyKey: "b".repeat(8000) }));
    // Rows beyond what the table was sized for (the store grew while it was read) fail the fill, and the half it
    // was writing is never made active: what was filled at generation 3 still answers there.
    expect(() => writer.fill(rows, { rows: 10, stringBytes: 1000 }, 4)).toThrow(RangeError);
    expect(reader.find(long[39]!.tokenHash, 3)).toEqual(entry(39, { bodyKey: "b".repeat(8000) }));
    expect(reader.find(long[0]!.tokenHash, 4)).toBeUndefined();
  });

  it("is filled from the store a chunk at a time: every feed and dead link of several chunks, nothing else", () => {
    const sql = openNodeSqlite({ path: ":memory:" });
    ensureSchema(sql);
    const feeds = 5000;
    const dead = 4500;
    sql.transaction(() => {
      for (let n = 0; n < feeds; n++) {
        const e = entry(n, n % 7 === 0 ? { identityKey: `i/${n}`, lastModifiedShared: true } : {});
        sql.run(
          `INSERT INTO feeds (org, feed, token_hash, etag, last_modified, lm_shared, size, events, input_hash,
            body_key, identity_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'x', ?, ?)`,
          e.org,
          `person/${e.id}`,
          hashOf(`token${n}`),
          e.etag,
          e.lastModified,
          e.lastModifiedShared ? 1 : 0,
          e.size,
          e.events,
          e.bodyKey,
          e.identityKey,
        );
      }
      for (let n = 0; n < dead; n++)
        sql.run(
          "INSERT INTO dead_links (token_hash, org, feed, rotated) VALUES (?, 'acme', 'person/x', ?)",
          hashOf(`dead${n}`),
          n % 2,
        );
    });
    const writer = new ValidatorIndexWriter(createIndexBuffer({ slots: 1024, heapBytes: 1 << 16 }));
    const grown = fillFrom(sql, writer, 5);
    expect(grown).not.toBeNull();
    const reader = new ValidatorIndexReader(grown!);
    for (let n = 0; n < feeds; n++) {
      const extra = n % 7 === 0 ? { identityKey: `i/${n}`, lastModifiedShared: true } : {};
      expect(reader.find(hashOf(`token${n}`), 5)).toEqual(entry(n, extra));
    }
    for (let n = 0; n < dead; n++)
      expect(reader.find(hashOf(`dead${n}`), 5)).toBe(n % 2 === 1 ? "rotated" : "retired");
    expect(reader.find(hashOf("token5000"), 5)).toBeNull();
    sql.close();
  });
});
