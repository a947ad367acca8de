/**
 * A clock every thread of the process reads: the wall clock, or (in tests) a time the test sets, kept in shared
 * memory so that serving threads stamp `Date` with the same time the service stamps `Last-Modified` with.
 */
export class SharedClock {
  readonly buffer: SharedArrayBuffer | null;
  readonly #ms: Float64Array | null;

  /** @param buffer a shared `Float64` of ms since the epoch, or `null` for the wall clock. */
  constructor(buffer: SharedArrayBuffer | null = null) {
    this.buffer = buffer;
    this.#ms = buffer === null ? null : new Float64Array(buffer);
  }

  /** A settable clock starting at `ms`. */
  static fixed(ms: number): SharedClock {
    const clock = new SharedClock(new SharedArrayBuffer(8));
    clock.set(ms);
    return clock;
  }

  /** Milliseconds since the epoch. */
  now = (): number => (this.#ms === null ? Date.now() : this.#ms[0]!);

  /** Sets a settable clock. */
  set(ms: number): void {
    if (this.#ms === null) throw new Error("the wall clock cannot be set");
    this.#ms[0] = ms;
  }
}
