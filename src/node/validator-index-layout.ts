/**
 * The layout of the validator index (`validator-index.ts`): one `SharedArrayBuffer` holding a header and two
 * halves, each with its slots and its string area, and the views and key words its one writer and its readers
 * share.
 *
 * A slot is 12 `Int32`s: the key (4), kind and flags, Last-Modified (seconds, unsigned), size, events, where the
 * entry's strings start in the half's string area, and their five lengths (`org`, `id`, body key, identity key,
 * ETag; `0xffff`: no identity key). Dead links have no strings. Open addressing, linear probing, at most half full;
 * an empty slot in a current half means "never issued".
 */
import type { FeedEntry } from "../core/serving/feed-entry.ts";
import type { DeadLink } from "../core/store/dead-links-table.ts";

export const SEQ = 0;
export const ACTIVE = 1;
/** Stamp of half 0 at `STAMP`, half 1 at `STAMP + 1`: the generation it was filled at, -1 while unfilled. */
export const STAMP = 2;
export const CAPACITY = 4;
export const HEAP_BYTES = 5;
export const HEADER_INTS = 8;
export const SLOT_INTS = 12;
export const NO_IDENTITY = 0xffff;
export const MAX_STRING = 0xfffe;

export const EMPTY = 0;
export const KIND_CODES = { person: 1, schedule: 2 } as const;
export const ROTATED = 3;
export const RETIRED = 4;
export const SHARED_FLAG = 0x100;

/** One row the table is filled from: a live feed, or a dead link. */
export type IndexRow = { tokenHash: string; entry: FeedEntry } | { tokenHash: string; dead: DeadLink };

/** How big a table is: slots (a power of two) and bytes of strings per half. */
export interface IndexSize {
  slots: number;
  heapBytes: number;
}

export const halfInts = (size: IndexSize) => size.slots * SLOT_INTS;
export const halfBytes = (size: IndexSize) => halfInts(size) * 4 + size.heapBytes;

/** A new, empty table of `size` (no half current: every read falls through until the first fill). */
export function createIndexBuffer(size: IndexSize): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(HEADER_INTS * 4 + 2 * halfBytes(size));
  const header = new Int32Array(buffer, 0, HEADER_INTS);
  header[CAPACITY] = size.slots;
  header[HEAP_BYTES] = size.heapBytes;
  header[STAMP] = -1;
  header[STAMP + 1] = -1;
  return buffer;
}

/** The size that holds `rows` entries with `stringBytes` of strings, and a quarter more of either. */
export function sizeFor(rows: number, stringBytes: number): IndexSize {
  let slots = 1024;
  while (slots < Math.ceil(rows * 2.5)) slots *= 2;
  return { slots, heapBytes: Math.max(1 << 16, Math.ceil(stringBytes * 1.25)) };
}

/** The 4 key words of a lower-case hex SHA-256, or null when it is not one. Allocates nothing. */
export function keyWord(hash: string, word: number): number {
  let value = 0;
  for (let i = word * 8; i < word * 8 + 8; i++) {
    const c = hash.charCodeAt(i);
    const nibble = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (nibble < 0) return NaN;
    value = (value << 4) | nibble;
  }
  return value;
}

/** Views of one buffer. */
export class Views {
  readonly header: Int32Array;
  readonly ints: Int32Array;
  readonly bytes: Buffer;
  readonly size: IndexSize;
  readonly buffer: SharedArrayBuffer;
  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.header = new Int32Array(buffer, 0, HEADER_INTS);
    this.size = { slots: this.header[CAPACITY]!, heapBytes: this.header[HEAP_BYTES]! };
    this.ints = new Int32Array(buffer, HEADER_INTS * 4, 2 * halfInts(this.size));
    this.bytes = Buffer.from(buffer);
  }
  /** First int of a half's slots, and first byte of its strings. */
  slotBase(half: number): number {
    return half * halfInts(this.size);
  }
  heapBase(half: number): number {
    return HEADER_INTS * 4 + 2 * halfInts(this.size) * 4 + half * this.size.heapBytes;
  }
}
