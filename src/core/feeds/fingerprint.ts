/**
 * Change detection between revisions: an unambiguous encoding of a list of values, and a fast deterministic
 * 53-bit hash (cyrb53) of it. The encoding is injective (every value carries its kind and length, so no value
 * can imitate a separator); the hash is not a security boundary: a collision costs a missed SEQUENCE bump, with
 * odds of about 2^-53 for values nobody chose to collide.
 */

/** A value {@link encodeFields} can encode: text, a number, an absent optional, or a list of texts. */
export type Field = string | number | undefined | readonly string[];

/**
 * Encodes values so that different lists never give the same text: `s<length>:<text>` for a string,
 * `n<length>:<digits>` for a number, `u` for `undefined`, `l<count>:` followed by the items for a list.
 * @example encodeFields(["a,b", undefined, 3]) // "s3:a,bun1:3"
 */
export function encodeFields(values: readonly Field[]): string {
  const sink = new TextSink();
  writeFields(values, sink);
  return sink.out;
}

/** {@link fingerprint} of {@link encodeFields}' text, without building it (every event of a schedule has one). */
export function fingerprintFields(values: readonly Field[]): string {
  const hash = new Fingerprinter();
  writeFields(values, hash);
  return hash.digest();
}

/** Where {@link writeFields} writes {@link encodeFields}' text: strings, and single characters by code. */
interface FieldSink {
  update(text: string): unknown;
  char(code: number): unknown;
}

/** The characters of the encoding, by code: `u`, `s`, `n`, `l`, `:` and `0`. */
const U = 0x75;
const S = 0x73;
const N = 0x6e;
const L = 0x6c;
const COLON = 0x3a;
const ZERO = 0x30;

/** The one encoding rule of {@link encodeFields}, written to `sink` a piece at a time (no text built per field). */
function writeFields(values: readonly Field[], sink: FieldSink): void {
  for (const value of values) {
    if (value === undefined) sink.char(U);
    else if (typeof value === "string") {
      header(sink, S, value.length);
      sink.update(value);
    } else if (typeof value === "number") {
      const text = String(value);
      header(sink, N, text.length);
      sink.update(text);
    } else {
      header(sink, L, value.length);
      for (const item of value) {
        header(sink, S, item.length);
        sink.update(item);
      }
    }
  }
}

/** `<kind><length>:` */
function header(sink: FieldSink, kind: number, length: number): void {
  sink.char(kind);
  decimal(sink, length);
  sink.char(COLON);
}

/** A non-negative integer's decimal digits. */
function decimal(sink: FieldSink, n: number): void {
  if (n >= 10) decimal(sink, Math.floor(n / 10));
  sink.char(ZERO + (n % 10));
}

/** {@link encodeFields}' text gathered in a string. */
class TextSink implements FieldSink {
  out = "";
  update(text: string): void {
    this.out += text;
  }
  char(code: number): void {
    this.out += String.fromCharCode(code);
  }
}

/** 14 lower-case hex characters identifying `text`. */
export function fingerprint(text: string): string {
  return new Fingerprinter().update(text).digest();
}

/**
 * {@link fingerprint} of strings one after the other, as of their concatenation, without building it (a big
 * schedule's list of event fingerprints).
 */
export class Fingerprinter {
  #h1 = 0xdeadbeef;
  #h2 = 0x41c6ce57;

  update(text: string): this {
    let h1 = this.#h1;
    let h2 = this.#h2;
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ ch, 2654435761);
      h2 = Math.imul(h2 ^ ch, 1597334677);
    }
    this.#h1 = h1;
    this.#h2 = h2;
    return this;
  }

  /** {@link update} with one character, by its code. */
  char(code: number): this {
    this.#h1 = Math.imul(this.#h1 ^ code, 2654435761);
    this.#h2 = Math.imul(this.#h2 ^ code, 1597334677);
    return this;
  }

  digest(): string {
    let h1 = this.#h1;
    let h2 = this.#h2;
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
    h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
    h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    const value = 4294967296 * (2097151 & h2) + (h1 >>> 0);
    return value.toString(16).padStart(14, "0");
  }
}
