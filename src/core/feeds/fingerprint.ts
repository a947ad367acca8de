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
  let out = "";
  eachFieldText(values, (text) => (out += text));
  return out;
}

/** {@link fingerprint} of {@link encodeFields}' text, without building it (every event of a schedule has one). */
export function fingerprintFields(values: readonly Field[]): string {
  const hash = new Fingerprinter();
  eachFieldText(values, (text) => hash.update(text));
  return hash.digest();
}

/** {@link encodeFields}' text as consecutive strings, each handed to `add`. */
function eachFieldText(values: readonly Field[], add: (text: string) => unknown): void {
  for (const value of values) {
    if (value === undefined) add("u");
    else if (typeof value === "string") {
      add(`s${value.length}:`);
      add(value);
    } else if (typeof value === "number") {
      const text = String(value);
      add(`n${text.length}:`);
      add(text);
    } else {
      add(`l${value.length}:`);
      for (const item of value) {
        add(`s${item.length}:`);
        add(item);
      }
    }
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
