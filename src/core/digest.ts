/**
 * Hashing and encoding helpers on Web Crypto, available alike in Node 24 and workerd; and, for what is too big to
 * hold once more whole (a whole schedule's feed, a big schedule's state and canonical JSON), UTF-8 of text made in
 * pieces (its incremental SHA-256 is `sha256.ts`).
 */

const encoder = new TextEncoder();

/** SHA-256 of bytes or of a string's UTF-8 encoding. */
export async function sha256(data: Uint8Array | string): Promise<Uint8Array> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
}

/**
 * UTF-8 bytes of strings one after the other, as of their concatenation (no part may end in the first half of a
 * surrogate pair the next completes: feed blocks and JSON records are whole strings). Parts that come to at most
 * {@link ONE_PASS_BYTES} are made once (a person's feed, a department's state); more are made twice — counted,
 * then written into bytes of exactly their size — so a whole hospital's text is never held, nor its bytes twice. `parts` must give the same strings each time it is called.
 */
export function utf8OfParts(parts: () => Iterable<string>, size?: number): Uint8Array {
  if (size === undefined) {
    const small = utf8Within(parts(), ONE_PASS_BYTES);
    if (small !== null) return small;
    size = utf8Size(parts());
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts()) offset += encoder.encodeInto(part, out.subarray(offset)).written;
  if (offset !== size) throw new Error(`parts changed between two passes (${offset} ≠ ${size} bytes)`);
  return out;
}

/**
 * Up to this many bytes, parts are encoded in one pass (into mebibyte chunks, then copied into bytes of their
 * size): a department's schedule feed and state. Beyond it they are counted first, and never held twice.
 */
export const ONE_PASS_BYTES = 8 << 20;
const CHUNK_BYTES = 1 << 20;
/** The first chunk, used by every call (they are synchronous): most parts fit in it. */
let scratch: Uint8Array | null = null;

/**
 * The UTF-8 bytes of the parts when they come to at most `max` bytes (at most {@link ONE_PASS_BYTES}), made in one
 * pass; `null` as soon as they are more (the caller makes them again its own way).
 */
export function utf8Within(parts: Iterable<string>, max: number): Uint8Array | null {
  scratch ??= new Uint8Array(CHUNK_BYTES);
  const limit = Math.min(max, ONE_PASS_BYTES);
  const full: Uint8Array[] = [];
  let chunk = scratch;
  let offset = 0;
  let total = 0;
  for (let part of parts) {
    for (;;) {
      const { read, written } = encoder.encodeInto(part, chunk.subarray(offset));
      offset += written;
      total += written;
      if (total > limit) return null;
      if (read === part.length) break;
      // The chunk is full (a character is never split): the rest of the part goes on in a new one.
      part = part.slice(read);
      full.push(chunk.subarray(0, offset));
      chunk = new Uint8Array(CHUNK_BYTES);
      offset = 0;
    }
  }
  if (full.length === 0) return scratch.slice(0, offset);
  const out = new Uint8Array(total);
  let at = 0;
  for (const bytes of [...full, chunk.subarray(0, offset)]) {
    out.set(bytes, at);
    at += bytes.length;
  }
  return out;
}

/** The size of {@link utf8Chunks}' chunks. */
const STREAM_CHUNK_BYTES = 64 * 1024;

/**
 * The UTF-8 bytes of strings one after the other (as of {@link utf8OfParts}), 64 KiB at a time as they are
 * encoded: for what is compressed as it is made, never held whole. Each chunk is a buffer of its own, the
 * caller's to keep (a compressor may still read it after the next is made).
 */
export function* utf8Chunks(parts: Iterable<string>): Generator<Uint8Array> {
  let chunk = new Uint8Array(STREAM_CHUNK_BYTES);
  let filled = 0;
  for (let part of parts) {
    for (;;) {
      const { read, written } = encoder.encodeInto(part, chunk.subarray(filled));
      filled += written;
      if (read === part.length) break;
      // The chunk is full (a character is never split): the rest of the part goes on in the next one.
      part = part.slice(read);
      yield chunk.subarray(0, filled);
      chunk = new Uint8Array(STREAM_CHUNK_BYTES);
      filled = 0;
    }
  }
  if (filled > 0) yield chunk.subarray(0, filled);
}

/** How many bytes UTF-8 takes for strings one after the other. */
export function utf8Size(parts: Iterable<string>): number {
  let size = 0;
  for (const part of parts) size += utf8Length(part);
  return size;
}

/** How many bytes UTF-8 takes for a string (a lone surrogate as U+FFFD, as `TextEncoder` writes it). */
function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 2; // a pair: 4 bytes for 2 units
        i++;
      } else n += 2;
    } else n += 2;
  }
  return n;
}

/** Lower-case hexadecimal of bytes. */
export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

/** SHA-256 as lower-case hex. */
export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  return toHex(await sha256(data));
}

const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** base64url without padding (RFC 4648 §5). */
export function toBase64Url(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64URL[n >> 18]! + B64URL[(n >> 12) & 63]! + B64URL[(n >> 6) & 63]! + B64URL[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += B64URL[n >> 18]! + B64URL[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += B64URL[n >> 18]! + B64URL[(n >> 12) & 63]! + B64URL[(n >> 6) & 63]!;
  }
  return out;
}

/** Decodes unpadded base64url; `null` for any character outside the alphabet or an impossible length. */
export function fromBase64Url(text: string): Uint8Array | null {
  if (text.length % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const v = B64URL.indexOf(text[i]!);
    if (v < 0) return null;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

/** Byte arrays one after another in one (the only one itself, uncopied). */
export function joinBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Compares two byte arrays in time that depends only on their lengths. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
