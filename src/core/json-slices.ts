/**
 * `JSON.parse` of UTF-8 bytes without their text, and without all of the bytes at once: they are fed a chunk at a
 * time (as a decompressing stream gives them), objects near the top are taken apart in the bytes, and the items
 * of arrays there are decoded and parsed a run of about 64 KiB at a time. A big schedule's stored state (its
 * snapshot and history, about 30 MiB of JSON at a 16 MiB snapshot) is thus never one string beside the value
 * parsed from it, nor whole bytes — what a Worker's 128 MB cannot hold beside the value. Structural bytes are
 * ASCII and never inside a string, and every byte of a multi-byte UTF-8 sequence is above 0x7F, so the bytes can be
 * taken apart before they are decoded.
 */

import {
  BACKSLASH,
  CLOSE_ARRAY,
  CLOSE_OBJECT,
  COLON,
  COMMA,
  OPEN_ARRAY,
  OPEN_OBJECT,
  QUOTE,
} from "./json-codes.ts";
import { Mode, PendingBytes, type Frame } from "./json-slices-state.ts";

/** Bytes of an array's items parsed at a time: small beside a big array, few calls to `JSON.parse`. */
const CHUNK_BYTES = 64 * 1024;

/**
 * What to keep of a value in an object taken apart, named by its keys from the top (`["history"]`), the object
 * as read so far given (its earlier keys are set): `true` all of it; `false` none (it is scanned to its end, not
 * checked beyond that, and its key is left out); for an array, a function keeps only the items it accepts.
 */
export type Select = (
  path: readonly string[],
  object: Readonly<Record<string, unknown>>,
) => boolean | ((item: unknown) => boolean);

/**
 * A parser of JSON bytes fed in consecutive chunks, split anywhere (even inside a character): {@link write} each,
 * then {@link end} for the value, as `JSON.parse` of their text gives it. Objects nested at most `splitDepth` deep
 * (the top one is 0) are taken apart, and the items of an array in one of them are parsed a run at a time; every
 * other value is parsed from its own bytes. Between chunks it holds the value so far and at most one run of items
 * (or one value's bytes), never the chunks.
 */
export class JsonBytesParser {
  readonly #splitDepth: number;
  readonly #select: Select | undefined;
  #mode: Mode = Mode.Value;
  readonly #stack: Frame[] = [];
  #top: unknown;
  /** The bytes of the key, value or run of items being read. */
  readonly #pending = new PendingBytes(2 * CHUNK_BYTES);
  /** Inside a raw value: brackets open, inside a string, just after a backslash in one. */
  #nesting = 0;
  #inString = false;
  #escaped = false;
  /** The raw value being read is left out (see {@link Select}). */
  #skipping = false;
  /** Bytes written before the current chunk (for the position an error names). */
  #offset = 0;

  constructor(splitDepth: number, select?: Select) {
    this.#splitDepth = splitDepth;
    this.#select = select;
  }

  /**
   * Reads the next bytes.
   * @throws SyntaxError where they cannot continue JSON.
   */
  write(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      i =
        this.#mode === Mode.Raw || this.#mode === Mode.KeyText
          ? this.#scan(chunk, i)
          : this.#structure(chunk, i);
    }
    this.#offset += chunk.length;
  }

  /**
   * The value of all the bytes written.
   * @throws SyntaxError when they are not whole JSON.
   */
  end(): unknown {
    if (this.#mode === Mode.Raw && this.#stack.length === 0) {
      this.#top = this.#parsePending();
      this.#mode = Mode.End;
    }
    if (this.#mode !== Mode.End) throw new SyntaxError("stored JSON ends inside a value");
    return this.#top;
  }

  /** The byte at `i` outside keys and raw values: whitespace or a structural one. The index to read next. */
  #structure(chunk: Uint8Array, i: number): number {
    const b = chunk[i]!;
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) return i + 1;
    const mode = this.#mode;
    if (mode === Mode.Value) {
      const frame = this.#stack.at(-1) as { object: Record<string, unknown>; depth: number } | undefined;
      const depth = frame === undefined ? this.#splitDepth : frame.depth - 1;
      const chosen =
        frame === undefined || this.#select === undefined ? true : this.#select(this.#path(), frame.object);
      if (chosen === false) {
        this.#startRaw(Mode.Raw);
        this.#skipping = true;
        return i;
      }
      if (depth >= 0 && b === OPEN_OBJECT) {
        this.#stack.push({ object: {}, depth, key: "" });
        this.#mode = Mode.FirstKey;
        return i + 1;
      }
      const list = depth >= 0 && b === OPEN_ARRAY;
      if (list) this.#stack.push({ list: [], runs: 0, keep: chosen === true ? undefined : chosen });
      this.#startRaw(Mode.Raw);
      // An array's items start after its bracket; any other value at its own first byte.
      return list ? i + 1 : i;
    }
    if ((mode === Mode.FirstKey || mode === Mode.NextKey) && b === QUOTE) {
      this.#startRaw(Mode.KeyText);
      return i; // the key's opening quote is its first byte
    }
    if ((mode === Mode.FirstKey || mode === Mode.After) && b === CLOSE_OBJECT) {
      this.#close();
      return i + 1;
    }
    if (mode === Mode.Colon && b === COLON) {
      this.#mode = Mode.Value;
      return i + 1;
    }
    if (mode === Mode.After && b === COMMA) {
      this.#mode = Mode.NextKey;
      return i + 1;
    }
    throw this.#unexpected(i);
  }

  /**
   * The bytes of a key, a raw value or a run of items from `from` on, up to the byte that ends them (or the end of
   * the chunk); the index to read next.
   */
  #scan(chunk: Uint8Array, from: number): number {
    const frame = this.#stack.at(-1);
    const key = this.#mode === Mode.KeyText;
    const list = frame !== undefined && "list" in frame ? frame : undefined;
    const top = frame === undefined;
    let nesting = this.#nesting;
    let inString = this.#inString;
    let escaped = this.#escaped;
    let start = from;
    for (let i = from; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (b === BACKSLASH) escaped = true;
        else if (b === QUOTE) {
          inString = false;
          if (key) {
            this.#append(chunk, start, i + 1);
            const name = this.#parsePending();
            if (typeof name !== "string") throw this.#unexpected(i);
            (frame as { key: string }).key = name;
            this.#mode = Mode.Colon;
            return i + 1;
          }
        }
      } else if (b === QUOTE) inString = true;
      else if (b === OPEN_OBJECT || b === OPEN_ARRAY) nesting++;
      else if (nesting > 0) {
        if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) nesting--;
      } else if (top) continue;
      else if (b === COMMA) {
        if (list === undefined) {
          this.#append(chunk, start, i);
          this.#defineRaw();
          this.#mode = Mode.NextKey;
          return i + 1;
        }
        // A run is parsed once it is long enough, at the comma after an item.
        if (this.#pending.length + (i - start) >= CHUNK_BYTES) {
          this.#append(chunk, start, i);
          this.#flushRun(list, false);
          start = i + 1;
        }
      } else if (b === (list === undefined ? CLOSE_OBJECT : CLOSE_ARRAY)) {
        this.#append(chunk, start, i);
        if (list === undefined) this.#defineRaw();
        else this.#flushRun(list, true);
        this.#close();
        return i + 1;
      } else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) throw this.#unexpected(i);
    }
    this.#append(chunk, start, chunk.length);
    this.#nesting = nesting;
    this.#inString = inString;
    this.#escaped = escaped;
    return chunk.length;
  }

  #startRaw(mode: typeof Mode.Raw | typeof Mode.KeyText): void {
    this.#mode = mode;
    this.#pending.clear();
    this.#nesting = 0;
    this.#inString = false;
    this.#escaped = false;
    this.#skipping = false;
  }

  #append(chunk: Uint8Array, from: number, to: number): void {
    if (!this.#skipping) this.#pending.append(chunk, from, to);
  }

  #parsePending(): unknown {
    return JSON.parse(this.#pending.takeText());
  }

  /**
   * The pending run of items parsed into `frame`'s list (those it keeps); only the `last` run of an empty array
   * has none.
   */
  #flushRun(frame: Extract<Frame, { list: unknown[] }>, last: boolean): void {
    const items = JSON.parse(`[${this.#pending.takeText()}]`) as unknown[];
    if (items.length === 0 && (!last || frame.runs > 0))
      throw new SyntaxError("stored JSON has an empty array item");
    const keep = frame.keep;
    for (const item of items) if (keep === undefined || keep(item)) frame.list.push(item);
    frame.runs++;
  }

  /** The raw value just read is its object's value, unless it was left out. */
  #defineRaw(): void {
    if (!this.#skipping) this.#define(this.#parsePending());
    this.#skipping = false;
  }

  /** The keys from the top to the value about to be read. */
  #path(): string[] {
    const path: string[] = [];
    for (const frame of this.#stack) if ("key" in frame) path.push(frame.key);
    return path;
  }

  /** Sets the pending key of the object being read, as `JSON.parse` does: a later duplicate wins, `__proto__` is an own property. */
  #define(value: unknown): void {
    const frame = this.#stack.at(-1) as { object: Record<string, unknown>; key: string };
    Object.defineProperty(frame.object, frame.key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }

  /** The object or array being read is whole: it is its parent's value, or the top one. */
  #close(): void {
    const frame = this.#stack.pop()!;
    const value = "list" in frame ? frame.list : frame.object;
    if (this.#stack.length === 0) {
      this.#top = value;
      this.#mode = Mode.End;
    } else {
      this.#define(value);
      this.#mode = Mode.After;
    }
  }

  #unexpected(i: number): SyntaxError {
    return new SyntaxError(`unexpected byte at ${this.#offset + i} of stored JSON`);
  }
}

/**
 * The value of the JSON `bytes`, given whole, as `JSON.parse` of their text gives it (see {@link JsonBytesParser}).
 * @throws SyntaxError where the bytes are not JSON.
 */
export function parseJsonBytes(bytes: Uint8Array, splitDepth: number): unknown {
  const parser = new JsonBytesParser(splitDepth);
  parser.write(bytes);
  return parser.end();
}
