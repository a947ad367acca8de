/**
 * The validators of every live feed and every dead link, in one table in shared memory that every serving thread
 * reads: a `304` for any feed — not only a thread's hot few — reads nothing but memory, and a token that opens
 * nothing (rotated, retired, never issued) is told apart without storage too.
 *
 * The table is keyed by the first 128 bits of SHA-256(token), the form tokens are stored in: no token is held in
 * clear. It has two halves. One writer (the main thread, `validator-index-fill.ts`) fills the half readers are not
 * reading from the store in bulk, stamps it with the commit generation it was read at, and then makes it the
 * active half. A reader trusts the active half only while its stamp is the commit generation now: a commit
 * anywhere (a publish, a rotation, a retire, on any thread) bumps the generation, so the very next request no
 * longer answers from the table — it takes the thread's own read path (caches, one indexed read) until the writer
 * has filled the table again. A sequence counter, bumped when a fill starts and when it is made active, lets a
 * reader discard what it read while a fill reused its half.
 *
 * The table's layout is `validator-index-layout.ts`. A fill that does not fit (more feeds, longer strings) makes a
 * new, larger table, handed to the readers (`onReplace`).
 */
import type { FeedEntry } from "../core/serving/feed-entry.ts";
import type { IndexedToken } from "../core/serving/feed-reader.ts";
import {
  ACTIVE,
  createIndexBuffer,
  EMPTY,
  halfInts,
  type IndexRow,
  keyWord,
  KIND_CODES,
  MAX_STRING,
  NO_IDENTITY,
  RETIRED,
  ROTATED,
  SEQ,
  SHARED_FLAG,
  sizeFor,
  SLOT_INTS,
  STAMP,
  Views,
} from "./validator-index-layout.ts";

/** A serving thread's view of the table. */
export class ValidatorIndexReader {
  #views: Views;
  /**
   * The entries this thread decoded from the active half, by slot: a feed polled again is answered with the same
   * (read-only) entry, without decoding its strings again. Valid for one activation of a half — the sequence
   * counter at it (even; a fill of the other half under way makes it odd and changes nothing read here).
   */
  #decoded: (FeedEntry | undefined)[] = [];
  #decodedAt = -1;

  constructor(buffer: SharedArrayBuffer) {
    this.#views = new Views(buffer);
  }

  /** Reads from another table from now on (the writer made a larger one). */
  replace(buffer: SharedArrayBuffer): void {
    this.#views = new Views(buffer);
    this.#decoded = [];
    this.#decodedAt = -1;
  }

  /**
   * What a token hash is at commit generation `generation`: its live feed, a dead link, `null` (never issued), or
   * `undefined` when the table cannot tell (not filled at this generation yet, or refilled while read).
   */
  find(hash: string, generation: number): IndexedToken | undefined {
    const v = this.#views;
    const seq = Atomics.load(v.header, SEQ);
    const half = Atomics.load(v.header, ACTIVE);
    if (Atomics.load(v.header, STAMP + half) !== generation) return undefined;
    const slot = this.#probe(v, half, hash);
    if (slot === -2) return undefined;
    const activation = seq & ~1;
    if (activation !== this.#decodedAt) {
      this.#decoded = [];
      this.#decodedAt = activation;
    }
    const found = slot < 0 ? null : (this.#decoded[slot] ?? this.#decode(v, half, slot));
    // Two steps on: a fill started after this one was made active, and may have rewritten what was read (the
    // half probed may be a newer one than the decoded entries are of).
    if (Atomics.load(v.header, SEQ) - seq > 1) return undefined;
    if (typeof found === "object" && found !== null) this.#decoded[slot] = found;
    return found;
  }

  /** Whether a token hash is one the table holds (live or dead, at any generation): a token that was issued. */
  knows(hash: string): boolean {
    const v = this.#views;
    const half = Atomics.load(v.header, ACTIVE);
    return Atomics.load(v.header, STAMP + half) >= 0 && this.#probe(v, half, hash) >= 0;
  }

  /** The slot holding `hash` in a half, -1 when none does, -2 when `hash` is no SHA-256 in hex. */
  #probe(v: Views, half: number, hash: string): number {
    if (hash.length !== 64) return -2;
    const k0 = keyWord(hash, 0);
    const k1 = keyWord(hash, 1);
    const k2 = keyWord(hash, 2);
    const k3 = keyWord(hash, 3);
    if (Number.isNaN(k0 + k1 + k2 + k3)) return -2;
    const ints = v.ints;
    const mask = v.size.slots - 1;
    const base = v.slotBase(half);
    for (let n = 0, slot = k0 & mask; n <= mask; n++, slot = (slot + 1) & mask) {
      const at = base + slot * SLOT_INTS;
      if ((ints[at + 4]! & 0xff) === EMPTY) return -1;
      if (ints[at] === k0 && ints[at + 1] === k1 && ints[at + 2] === k2 && ints[at + 3] === k3) return slot;
    }
    return -1;
  }

  #decode(v: Views, half: number, slot: number): IndexedToken {
    const ints = v.ints;
    const at = v.slotBase(half) + slot * SLOT_INTS;
    const code = ints[at + 4]!;
    const kind = code & 0xff;
    if (kind === ROTATED) return "rotated";
    if (kind === RETIRED) return "retired";
    let start = v.heapBase(half) + ints[at + 8]!;
    const text = (length: number): string => {
      const value = v.bytes.toString("utf8", start, start + length);
      start += length;
      return value;
    };
    const lengths0 = ints[at + 9]!;
    const lengths1 = ints[at + 10]!;
    const org = text(lengths0 & 0xffff);
    const id = text(lengths0 >>> 16);
    const bodyKey = text(lengths1 & 0xffff);
    const identityLength = lengths1 >>> 16;
    const identityKey = identityLength === NO_IDENTITY ? null : text(identityLength);
    const etag = text(ints[at + 11]!);
    const entry: FeedEntry = {
      kind: kind === KIND_CODES.person ? "person" : "schedule",
      org,
      id,
      bodyKey,
      identityKey,
      etag,
      lastModified: ints[at + 5]! >>> 0,
      size: ints[at + 6]!,
      events: ints[at + 7]!,
    };
    if (code & SHARED_FLAG) entry.lastModifiedShared = true;
    return entry;
  }
}

/** The one writer: fills the half nobody reads and makes it active. */
export class ValidatorIndexWriter {
  #views: Views;

  constructor(buffer: SharedArrayBuffer) {
    this.#views = new Views(buffer);
  }

  /** The table readers should read. */
  get buffer(): SharedArrayBuffer {
    return this.#views.buffer;
  }

  /**
   * Fills the table with `rows` as read at commit generation `generation` (read before the rows were), making a
   * larger table first when `totals` do not fit. Returns the new table when it made one. The rows may be read as
   * they are written (one chunk at a time): `totals` size the table, and rows beyond them fail the fill — the
   * half being written is then never made active.
   * @throws RangeError when the rows exceed `totals`, or one string is too long for a slot.
   */
  fill(rows: Iterable<IndexRow>, totals: IndexTotals, generation: number): SharedArrayBuffer | null {
    let replaced: SharedArrayBuffer | null = null;
    const size = this.#views.size;
    if (totals.rows * 2 > size.slots || totals.stringBytes > size.heapBytes) {
      this.#views = new Views(createIndexBuffer(sizeFor(totals.rows, totals.stringBytes)));
      replaced = this.#views.buffer;
    }
    const v = this.#views;
    const half = 1 - Atomics.load(v.header, ACTIVE);
    Atomics.store(v.header, STAMP + half, -1);
    Atomics.add(v.header, SEQ, 1);
    const base = v.slotBase(half);
    v.ints.fill(0, base, base + halfInts(v.size));
    const heapBase = v.heapBase(half);
    let heap = 0;
    const put = (text: string): number => {
      const length = Buffer.byteLength(text, "utf8");
      if (length > MAX_STRING)
        throw new RangeError("a feed's key or ETag is too long for the validator index");
      if (heap + length > v.size.heapBytes)
        throw new RangeError("more strings than the validator index was sized for");
      v.bytes.write(text, heapBase + heap, length, "utf8");
      heap += length;
      return length;
    };
    const mask = v.size.slots - 1;
    let count = 0;
    for (const row of rows) {
      if (++count * 2 > v.size.slots)
        throw new RangeError("more rows than the validator index was sized for");
      const k0 = keyWord(row.tokenHash, 0);
      let slot = k0 & mask;
      while ((v.ints[base + slot * SLOT_INTS + 4]! & 0xff) !== EMPTY) slot = (slot + 1) & mask;
      const at = base + slot * SLOT_INTS;
      v.ints[at] = k0;
      v.ints[at + 1] = keyWord(row.tokenHash, 1);
      v.ints[at + 2] = keyWord(row.tokenHash, 2);
      v.ints[at + 3] = keyWord(row.tokenHash, 3);
      if ("dead" in row) {
        v.ints[at + 4] = row.dead === "rotated" ? ROTATED : RETIRED;
        continue;
      }
      const e = row.entry;
      v.ints[at + 5] = e.lastModified | 0;
      v.ints[at + 6] = e.size;
      v.ints[at + 7] = e.events;
      v.ints[at + 8] = heap;
      v.ints[at + 9] = put(e.org) | (put(e.id) << 16);
      const body = put(e.bodyKey);
      v.ints[at + 10] = body | ((e.identityKey === null ? NO_IDENTITY : put(e.identityKey)) << 16);
      v.ints[at + 11] = put(e.etag);
      v.ints[at + 4] = KIND_CODES[e.kind] | (e.lastModifiedShared ? SHARED_FLAG : 0);
    }
    Atomics.store(v.header, STAMP + half, generation);
    Atomics.store(v.header, ACTIVE, half);
    Atomics.add(v.header, SEQ, 1);
    return replaced;
  }
}

/** How many rows a fill brings and how many bytes of strings (an upper bound is enough). */
export interface IndexTotals {
  rows: number;
  stringBytes: number;
}

/** The totals of rows in hand. @throws RangeError when one string is too long for a slot. */
export function totalsOf(rows: readonly IndexRow[]): IndexTotals {
  return { rows: rows.length, stringBytes: stringBytes(rows) };
}

/** Bytes of strings `rows` take (UTF-8). @throws RangeError when one string is too long for a slot. */
export function stringBytes(rows: readonly IndexRow[]): number {
  let total = 0;
  for (const row of rows) {
    if ("dead" in row) continue;
    const e = row.entry;
    for (const text of [e.org, e.id, e.bodyKey, e.identityKey ?? "", e.etag]) {
      const length = Buffer.byteLength(text, "utf8");
      if (length > MAX_STRING)
        throw new RangeError("a feed's key or ETag is too long for the validator index");
      total += length;
    }
  }
  return total;
}
