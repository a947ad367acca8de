/**
 * The state of the parser of JSON bytes fed a chunk at a time (`json-slices.ts`): what it reads next, the objects
 * and arrays it is taking apart, and the bytes of one key, value or run of array items, gathered across chunks,
 * then decoded once and let go. That buffer is reused from one value to the next; one big value grows it, and it
 * is not kept that big afterwards.
 */

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** A growable buffer of UTF-8 bytes, taken as text. */
export class PendingBytes {
  #bytes: Uint8Array;
  #length = 0;
  readonly #usual: number;

  /** @param usual bytes it starts with, and shrinks back to after a value over twice that. */
  constructor(usual: number) {
    this.#usual = usual;
    this.#bytes = new Uint8Array(usual);
  }

  /** Bytes held. */
  get length(): number {
    return this.#length;
  }

  /** Adds `chunk[from, to)`. */
  append(chunk: Uint8Array, from: number, to: number): void {
    const length = this.#length + (to - from);
    if (length > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(2 * this.#bytes.length, length));
      grown.set(this.#bytes.subarray(0, this.#length));
      this.#bytes = grown;
    }
    this.#bytes.set(chunk.subarray(from, to), this.#length);
    this.#length = length;
  }

  /** Lets the bytes go. */
  clear(): void {
    this.#length = 0;
  }

  /**
   * The text of the bytes, which are then let go.
   * @throws TypeError when they are not UTF-8.
   */
  takeText(): string {
    const text = decoder.decode(this.#bytes.subarray(0, this.#length));
    this.#length = 0;
    if (this.#bytes.length > 2 * this.#usual) this.#bytes = new Uint8Array(this.#usual);
    return text;
  }
}

/** What the parser reads next. */
export const Mode = {
  /** Whitespace, then a value (the top one, or an object's value after its colon). */
  Value: 0,
  /** After an object's `{`: whitespace, then a key or `}`. */
  FirstKey: 1,
  /** After a `,` in an object: whitespace, then a key. */
  NextKey: 2,
  /** A key's string. */
  KeyText: 3,
  /** Whitespace, then the colon after a key. */
  Colon: 4,
  /** Whitespace, then `,` or `}` after an object's value. */
  After: 5,
  /** A value parsed from its own bytes (collected up to the byte that ends it), or an array's items. */
  Raw: 6,
  /** Whitespace only, after the top value. */
  End: 7,
} as const;
export type Mode = (typeof Mode)[keyof typeof Mode];

/** An object being taken apart, or an array whose items are parsed a run at a time (those `keep` accepts kept). */
export type Frame =
  | { object: Record<string, unknown>; depth: number; key: string }
  | { list: unknown[]; runs: number; keep: ((item: unknown) => boolean) | undefined };
