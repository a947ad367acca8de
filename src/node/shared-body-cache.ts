/**
 * Feed bodies as stored (gzip) in one cache every serving thread shares, sized in bytes: a body read from the
 * store by one thread is in memory for all of them, instead of once per thread. Bodies are keyed by their blob key,
 * which names its content (`g/org/feed/digest`): a cached body never goes stale, so nothing is invalidated.
 *
 * Calendar clients poll every feed at a steady interval, so requests cycle through all feeds: a cache smaller
 * than that set, evicting the least recently used, would evict each body just before it is asked for again and
 * hit nothing. This one admits bodies while it has room and keeps them; once full, it starts afresh at most once
 * a minute (bodies of feeds republished since are dropped then). A full cache thus serves the share of bodies it
 * holds, never fewer.
 *
 * Layout: a header, a table of slots (open addressing, at most half full) and a data area filled from its start.
 * A slot holds a 32-bit hash of the key, where its record starts, the key's length and the record's; a record is
 * the key's UTF-8 bytes followed by the body. Writers (any thread) take a lock for the moment of adding; readers take none: a
 * record is never rewritten while the cache's epoch stands, and a reader checks the epoch after copying the body
 * out, so a body read while the cache was started afresh is discarded.
 */

const LOCK = 0;
/** Even while readable; odd while being started afresh. */
const EPOCH = 1;
const USED = 2;
const COUNT = 3;
const SLOTS = 4;
/** When the cache was last started afresh (whole minutes since the epoch, from the clock). */
const RESET_AT = 5;
const HEADER_INTS = 8;
const SLOT_INTS = 4;
/** Whole minutes between two fresh starts of a full cache: at least one minute apart, at most two. */
const RESET_MINUTES = 2;
/** Records are at least this big on average when sizing the slot table (bytes). */
const TYPICAL_RECORD = 1024;

/** A cache's shared buffer: `bytes` of data area and a slot table sized for it. */
export function createBodyCacheBuffer(bytes: number): SharedArrayBuffer {
  let slots = 1024;
  while (slots < (2 * bytes) / TYPICAL_RECORD) slots *= 2;
  const buffer = new SharedArrayBuffer(HEADER_INTS * 4 + slots * SLOT_INTS * 4 + bytes);
  new Int32Array(buffer, 0, HEADER_INTS)[SLOTS] = slots;
  return buffer;
}

/** FNV-1a over a string's UTF-16 code units, never 0 (0 marks an empty slot): where a key's slot is looked for. */
export function hashOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h === 0 ? 1 : h;
}

/** One thread's view of the shared body cache. */
export class SharedBodyCache {
  readonly #header: Int32Array;
  readonly #slots: Int32Array;
  readonly #data: Buffer;
  readonly #mask: number;
  readonly #clock: () => number;

  /** @param clock milliseconds since the epoch (when a full cache may start afresh). */
  constructor(buffer: SharedArrayBuffer, clock: () => number = Date.now) {
    this.#header = new Int32Array(buffer, 0, HEADER_INTS);
    const slots = this.#header[SLOTS]!;
    this.#slots = new Int32Array(buffer, HEADER_INTS * 4, slots * SLOT_INTS);
    const dataStart = HEADER_INTS * 4 + slots * SLOT_INTS * 4;
    this.#data = Buffer.from(buffer, dataStart, buffer.byteLength - dataStart);
    this.#mask = slots - 1;
    this.#clock = clock;
  }

  /** The body cached under `key`, copied out of the shared memory, or `undefined`. */
  get(key: string): Uint8Array | undefined {
    const header = this.#header;
    const epoch = Atomics.load(header, EPOCH);
    if (epoch & 1) return undefined;
    const at = this.#find(key, hashOf(key));
    if (at < 0) return undefined;
    const slots = this.#slots;
    // Each field read once: a fresh start may clear the slot meanwhile, leaving fields that do not fit together.
    const start = slots[at + 1]!;
    const bodyStart = start + slots[at + 2]!;
    const end = start + slots[at + 3]!;
    if (end < bodyStart || end > this.#data.length) return undefined;
    const body = new Uint8Array(end - bodyStart);
    this.#data.copy(body, 0, bodyStart, end);
    // Started afresh while read: what was copied may be another record's.
    return Atomics.load(header, EPOCH) === epoch ? body : undefined;
  }

  /** Keeps `body` under `key` if there is room (or once the cache may start afresh); otherwise does nothing. */
  put(key: string, body: Uint8Array): void {
    const header = this.#header;
    const keyBytes = Buffer.byteLength(key, "utf8");
    const need = keyBytes + body.length;
    if (need > this.#data.length / 8) return;
    if (Atomics.compareExchange(header, LOCK, 0, 1) !== 0) return; // another thread is adding: skip, not wait
    try {
      const hash = hashOf(key);
      if (this.#find(key, hash) >= 0) return;
      const full = header[USED]! + need > this.#data.length || (header[COUNT]! + 1) * 2 > this.#mask + 1;
      if (full && !this.#restart()) return;
      const start = header[USED]!;
      this.#data.write(key, start, "utf8");
      this.#data.set(body, start + keyBytes);
      let slot = hash & this.#mask;
      while (this.#slots[slot * SLOT_INTS] !== 0) slot = (slot + 1) & this.#mask;
      const at = slot * SLOT_INTS;
      this.#slots[at + 1] = start;
      this.#slots[at + 2] = keyBytes;
      this.#slots[at + 3] = need;
      Atomics.store(this.#slots, at, hash); // last: a reader sees the slot only once its record is written
      header[USED] = start + need;
      header[COUNT] = header[COUNT]! + 1;
    } finally {
      Atomics.store(header, LOCK, 0);
    }
  }

  /** Bytes of records held. */
  get usedBytes(): number {
    return Atomics.load(this.#header, USED);
  }

  /** The slot index (in ints) of `key`, or -1. */
  #find(key: string, hash: number): number {
    const slots = this.#slots;
    const mask = this.#mask;
    for (let n = 0, slot = hash & mask; n <= mask; n++, slot = (slot + 1) & mask) {
      const at = slot * SLOT_INTS;
      const h = Atomics.load(slots, at);
      if (h === 0) return -1;
      if (h === hash && this.#keyAt(slots[at + 1]!, slots[at + 2]!, key)) return at;
    }
    return -1;
  }

  /** Whether the record at `start`, whose key is `length` bytes, is `key`'s. */
  #keyAt(start: number, length: number, key: string): boolean {
    const data = this.#data;
    if (start + length > data.length) return false; // a slot torn by a fresh start (see `get`): no key
    let ascii = true;
    for (let i = 0; i < key.length && ascii; i++) {
      const c = key.charCodeAt(i);
      if (c > 0x7f) ascii = false;
      else if (i >= length || data[start + i] !== c) return false;
    }
    if (ascii) return length === key.length;
    const bytes = Buffer.from(key, "utf8");
    return bytes.length === length && data.compare(bytes, 0, length, start, start + length) === 0;
  }

  /** Starts a full cache afresh, unless it did less than a minute ago. Called with the lock held. */
  #restart(): boolean {
    const header = this.#header;
    const now = Math.floor(this.#clock() / 60_000);
    if (header[RESET_AT] === 0) {
      header[RESET_AT] = now; // filled for the first time: the minute starts now
      return false;
    }
    if (header[COUNT]! > 0 && now - header[RESET_AT]! < RESET_MINUTES) return false;
    Atomics.add(header, EPOCH, 1); // odd: readers stay away
    this.#slots.fill(0);
    header[USED] = 0;
    header[COUNT] = 0;
    header[RESET_AT] = now;
    Atomics.add(header, EPOCH, 1);
    return true;
  }
}
