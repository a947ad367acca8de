/**
 * A `Date` whose local getters read a precomputed wall-clock time in a zone, for ical-generator.
 *
 * ical-generator formats a zoned `DTSTART;TZID=…` from a Date's *local* getters (the host's zone, which would
 * shift every event by the host's offset) unless the value is a date-fns `TZDate`, which it recognizes by shape (`internal`,
 * `withTimeZone`, `tzComponents`). This class has that shape and answers from the wall time the core already
 * resolved, so rendering needs no zone conversion at all and reads nothing from the host.
 */

/** `YYYY-MM-DDTHH:MM:SS` wall time of `epochMs` in some zone, with the instant kept as the Date's value. */
export class WallClockDate extends Date {
  readonly internal: Date;
  readonly #fields: readonly [number, number, number, number, number, number];

  constructor(epochMs: number, local: string) {
    super(epochMs);
    this.internal = new Date(epochMs);
    this.#fields = [
      Number(local.slice(0, 4)),
      Number(local.slice(5, 7)) - 1,
      Number(local.slice(8, 10)),
      Number(local.slice(11, 13)),
      Number(local.slice(14, 16)),
      Number(local.slice(17, 19)),
    ];
  }

  /** The wall time is already in the event's zone. */
  withTimeZone(): this {
    return this;
  }

  tzComponents(): never {
    throw new Error("WallClockDate has no time-zone components");
  }

  override getFullYear(): number {
    return this.#fields[0];
  }
  override getMonth(): number {
    return this.#fields[1];
  }
  override getDate(): number {
    return this.#fields[2];
  }
  override getHours(): number {
    return this.#fields[3];
  }
  override getMinutes(): number {
    return this.#fields[4];
  }
  override getSeconds(): number {
    return this.#fields[5];
  }
}
