/**
 * The process-wide state of the limits, in shared memory: how much expensive work is in flight (admission
 * control), and counters of every refusal by kind — read by `/metrics` and `/healthz` on any thread without
 * gathering anything from the others.
 */
import type { WorkClass } from "./settings.ts";

/** Why a request was refused. */
export const REFUSALS = [
  "token",
  "address",
  "misses",
  "partner",
  "shed_admin",
  "shed_enterprise",
  "shed_standard",
  "shed_partner",
  "shed_background",
  "connections_address",
  "connections_total",
] as const;
export type Refusal = (typeof REFUSALS)[number];

const INFLIGHT = 0;
const LAST_SHED_S = 1;
const UNUSABLE_ADDRESSES = 2;
const FIRST_COUNTER = 3;
/** Bytes of the shared state. */
export const LIMIT_STATE_BYTES = (FIRST_COUNTER + REFUSALS.length) * 4;
/** Shedding is reported on this long after the last shed request, in seconds. */
const SHEDDING_HOLD_S = 5;

/** A view of the shared limit state (every thread builds one over the same buffer). */
export class LimitState {
  readonly #a: Int32Array;
  readonly #clock: () => number;

  constructor(buffer: ArrayBufferLike, clock: () => number) {
    this.#a = new Int32Array(buffer, 0, LIMIT_STATE_BYTES / 4);
    this.#clock = clock;
  }

  /** A zeroed buffer, shared when `SharedArrayBuffer` exists. */
  static allocate(): ArrayBufferLike {
    return typeof SharedArrayBuffer === "function"
      ? new SharedArrayBuffer(LIMIT_STATE_BYTES)
      : new ArrayBuffer(LIMIT_STATE_BYTES);
  }

  /** Counts a refusal. */
  count(kind: Refusal): void {
    Atomics.add(this.#a, FIRST_COUNTER + REFUSALS.indexOf(kind), 1);
  }

  /** Counts a request whose proxy header named no usable address. */
  countUnusableAddress(): void {
    Atomics.add(this.#a, UNUSABLE_ADDRESSES, 1);
  }

  /** Requests whose proxy header named no usable address, so far. */
  unusableAddresses(): number {
    return Atomics.load(this.#a, UNUSABLE_ADDRESSES);
  }

  /**
   * Admits one unit of expensive work when fewer than `below` are in flight; `false` (and a `shed_…` count) when
   * not. Every admitted unit must be given back with {@link release}.
   */
  tryAcquire(kind: WorkClass, below: number): boolean {
    const before = Atomics.add(this.#a, INFLIGHT, 1);
    if (before < below) return true;
    Atomics.sub(this.#a, INFLIGHT, 1);
    this.count(`shed_${kind}`);
    Atomics.store(this.#a, LAST_SHED_S, Math.floor(this.#clock() / 1000));
    return false;
  }

  /** Gives back a unit admitted by {@link tryAcquire}. */
  release(): void {
    Atomics.sub(this.#a, INFLIGHT, 1);
  }

  /** Units of expensive work in flight now. */
  inflight(): number {
    return Atomics.load(this.#a, INFLIGHT);
  }

  /** Whether anything was shed in the last few seconds. */
  shedding(): boolean {
    const last = Atomics.load(this.#a, LAST_SHED_S);
    return last > 0 && Math.floor(this.#clock() / 1000) - last < SHEDDING_HOLD_S;
  }

  /** Every refusal counter. */
  counts(): Record<Refusal, number> {
    const out = {} as Record<Refusal, number>;
    REFUSALS.forEach((kind, i) => (out[kind] = Atomics.load(this.#a, FIRST_COUNTER + i)));
    return out;
  }
}
