/**
 * Token buckets for per-client limits in one flat table that every thread of a process shares (the table lives
 * in a `SharedArrayBuffer` handed to each serving thread), so a client's quota holds across threads: a bucket per
 * thread would let a client spread over N threads take N× its quota, and dividing the quota by N would refuse a
 * client whose requests all land on one thread (`SO_REUSEPORT` hashes connections, not clients).
 *
 * The table is runtime-neutral (typed arrays and `Atomics` only): it also works over a plain `ArrayBuffer` where
 * there is one thread. Keys hash into groups of {@link GROUP_SLOTS} slots; one lock word per group guards the
 * probe and the update, a critical section of a few dozen instructions. When a group is full, the bucket idle
 * longest is reused: an idle bucket has refilled, so reusing it gives its old owner nothing it would not have had.
 */

/** A bucket's shape: `burst` requests at once, refilled at `perSecond`. */
export interface BucketRule {
  burst: number;
  perSecond: number;
}

/** What a take answers: allowed, or refused with the seconds until a token is back (before jitter). */
export interface TakeResult {
  ok: boolean;
  /** Seconds until the bucket holds a token again, times the repeat-offender factor (0 when `ok`). */
  waitSeconds: number;
}

/** Slots probed per key (one lock guards them). */
export const GROUP_SLOTS = 8;
const INTS_PER_SLOT = 3; // tag A, tag B, strikes
const FLOATS_PER_SLOT = 2; // tokens, last refill (ms)
/** Strikes (refusals since the bucket was last full) per doubling of the wait, in multiples of the burst. */
const MAX_DOUBLINGS = 5;

/** Bytes a table of `groups` groups needs. */
export function bucketTableBytes(groups: number): number {
  const slots = groups * GROUP_SLOTS;
  return slots * FLOATS_PER_SLOT * 8 + (groups + slots * INTS_PER_SLOT) * 4;
}

/** Two independent 32-bit FNV-1a hashes of a string (a 64-bit tag: two keys sharing one is negligible). */
function tags(key: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ key.length;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 13);
  }
  return [a | 0, b | 1]; // tag B is never 0: an all-zero slot is empty
}

export class BucketTable {
  readonly #groups: number;
  readonly #locks: Int32Array;
  readonly #ints: Int32Array;
  readonly #floats: Float64Array;
  readonly #clock: () => number;

  /**
   * @param buffer from {@link BucketTable.allocate} (shared across threads, or not), zero-filled when new.
   * @param clock milliseconds; every thread must read the same clock.
   */
  constructor(buffer: ArrayBufferLike, clock: () => number) {
    const bytes = buffer.byteLength;
    let groups = 1;
    while (bucketTableBytes(groups * 2) <= bytes) groups *= 2;
    if (bucketTableBytes(groups) > bytes) throw new Error("bucket table buffer too small");
    const slots = groups * GROUP_SLOTS;
    this.#groups = groups;
    this.#floats = new Float64Array(buffer, 0, slots * FLOATS_PER_SLOT);
    this.#locks = new Int32Array(buffer, slots * FLOATS_PER_SLOT * 8, groups);
    this.#ints = new Int32Array(buffer, slots * FLOATS_PER_SLOT * 8 + groups * 4, slots * INTS_PER_SLOT);
    this.#clock = clock;
  }

  /** A zeroed buffer for about `slots` buckets, shared when `SharedArrayBuffer` exists. */
  static allocate(slots: number, shared = true): ArrayBufferLike {
    let groups = 1;
    while (groups * GROUP_SLOTS < slots) groups *= 2;
    const bytes = bucketTableBytes(groups);
    return shared && typeof SharedArrayBuffer === "function"
      ? new SharedArrayBuffer(bytes)
      : new ArrayBuffer(bytes);
  }

  /** Takes one token from `key`'s bucket. */
  take(key: string, rule: BucketRule): TakeResult {
    return this.#update(key, rule, 1);
  }

  /** Puts back a token taken by {@link take} (the work it reserved turned out not to count). */
  give(key: string, rule: BucketRule): void {
    this.#update(key, rule, -1);
  }

  /** @param take tokens to take if there is one (1), none (0), or one to put back (-1). */
  #update(key: string, rule: BucketRule, take: 1 | 0 | -1): TakeResult {
    const [a, b] = tags(key);
    const group = (a >>> 0) & (this.#groups - 1);
    const lock = this.#locks;
    while (Atomics.compareExchange(lock, group, 0, 1) !== 0) {
      // Spin: every holder leaves within microseconds, and no holder ever waits for anything else.
    }
    try {
      const now = this.#clock();
      const slot = this.#find(group, a, b);
      const ints = this.#ints;
      const floats = this.#floats;
      const f = slot * FLOATS_PER_SLOT;
      const i = slot * INTS_PER_SLOT;
      let tokens: number;
      if (ints[i] !== a || ints[i + 1] !== b) {
        ints[i] = a;
        ints[i + 1] = b;
        ints[i + 2] = 0;
        tokens = rule.burst;
      } else {
        const elapsed = Math.max(0, now - floats[f + 1]!);
        tokens = Math.min(rule.burst, floats[f]! + (elapsed / 1000) * rule.perSecond);
      }
      floats[f + 1] = now;
      if (take < 0) {
        floats[f] = Math.min(rule.burst, tokens + 1);
        return { ok: true, waitSeconds: 0 };
      }
      if (tokens >= rule.burst) ints[i + 2] = 0;
      if (tokens >= 1) {
        floats[f] = tokens - take;
        return { ok: true, waitSeconds: 0 };
      }
      floats[f] = tokens;
      const strikes = ++ints[i + 2]!;
      const doublings = Math.min(MAX_DOUBLINGS, Math.floor(strikes / Math.max(1, rule.burst)));
      return { ok: false, waitSeconds: ((1 - tokens) / rule.perSecond) * 2 ** doublings };
    } finally {
      Atomics.store(lock, group, 0);
    }
  }

  /** The slot of (a, b) in its group, else an empty one, else the one idle longest. Called under the lock. */
  #find(group: number, a: number, b: number): number {
    const first = group * GROUP_SLOTS;
    let empty = -1;
    let oldest = first;
    for (let s = first; s < first + GROUP_SLOTS; s++) {
      const i = s * INTS_PER_SLOT;
      const ta = this.#ints[i]!;
      const tb = this.#ints[i + 1]!;
      if (ta === a && tb === b) return s;
      if (tb === 0) {
        if (empty < 0) empty = s;
      } else if (this.#floats[s * FLOATS_PER_SLOT + 1]! < this.#floats[oldest * FLOATS_PER_SLOT + 1]!) {
        oldest = s;
      }
    }
    return empty >= 0 ? empty : oldest;
  }
}
