/**
 * Hashing and encoding helpers on Web Crypto, available alike in Node 24 and workerd; and, for what is too big to
 * hold once more whole (a whole schedule's feed, a big schedule's state and canonical JSON), UTF-8 of text made in
 * pieces and an incremental SHA-256.
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

/** Compares two byte arrays in time that depends only on their lengths. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

/**
 * Incremental SHA-256 (FIPS 180-4) of bytes or UTF-8 text fed in pieces, for what is too big to hold whole (Web
 * Crypto digests only whole buffers): a big snapshot's canonical JSON, a big feed's bytes as they are encoded.
 */
export class Sha256 {
  readonly #h = new Uint32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  readonly #w = new Uint32Array(64);
  readonly #block = new Uint8Array(64);
  #filled = 0;
  #length = 0;
  /** Room for one piece's UTF-8 (grown when a piece needs more). */
  #scratch = new Uint8Array(4096);

  /** Adds a string's UTF-8 bytes (a piece must not end in half a surrogate pair). */
  update(text: string): void {
    if (this.#scratch.length < text.length * 3) this.#scratch = new Uint8Array(text.length * 3);
    const n = encoder.encodeInto(text, this.#scratch).written;
    this.#bytes(this.#scratch, n);
  }

  /** Adds bytes. */
  updateBytes(bytes: Uint8Array): void {
    this.#bytes(bytes, bytes.length);
  }

  /** The digest; the hasher is spent. */
  digest(): Uint8Array {
    const bits = this.#length * 8;
    const tail = new Uint8Array(((this.#filled + 8) >> 6) * 64 + 64 - this.#filled);
    tail[0] = 0x80;
    const view = new DataView(tail.buffer);
    view.setUint32(tail.length - 8, Math.floor(bits / 2 ** 32));
    view.setUint32(tail.length - 4, bits >>> 0);
    this.#bytes(tail, tail.length);
    const out = new Uint8Array(32);
    const outView = new DataView(out.buffer);
    for (let i = 0; i < 8; i++) outView.setUint32(i * 4, this.#h[i]!);
    return out;
  }

  #bytes(bytes: Uint8Array, n: number): void {
    this.#length += n;
    let i = 0;
    if (this.#filled > 0) {
      const take = Math.min(64 - this.#filled, n);
      this.#block.set(bytes.subarray(0, take), this.#filled);
      this.#filled += take;
      i = take;
      if (this.#filled < 64) return;
      this.#compress(this.#block, 0);
      this.#filled = 0;
    }
    for (; i + 64 <= n; i += 64) this.#compress(bytes, i);
    if (i < n) {
      this.#block.set(bytes.subarray(i, n), 0);
      this.#filled = n - i;
    }
  }

  #compress(b: Uint8Array, at: number): void {
    const w = this.#w;
    const h = this.#h;
    for (let t = 0; t < 16; t++) {
      const j = at + t * 4;
      w[t] = (b[j]! << 24) | (b[j + 1]! << 16) | (b[j + 2]! << 8) | b[j + 3]!;
    }
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15]!;
      const y = w[t - 2]!;
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[t] = (w[t - 16]! + s0 + w[t - 7]! + s1) | 0;
    }
    let a = h[0]!;
    let bb = h[1]!;
    let c = h[2]!;
    let d = h[3]!;
    let e = h[4]!;
    let f = h[5]!;
    let g = h[6]!;
    let hh = h[7]!;
    for (let t = 0; t < 64; t++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (hh + S1 + ch + K[t]! + w[t]!) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & bb) ^ (a & c) ^ (bb & c);
      const t2 = (S0 + maj) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = bb;
      bb = a;
      a = (t1 + t2) | 0;
    }
    h[0] = (h[0]! + a) | 0;
    h[1] = (h[1]! + bb) | 0;
    h[2] = (h[2]! + c) | 0;
    h[3] = (h[3]! + d) | 0;
    h[4] = (h[4]! + e) | 0;
    h[5] = (h[5]! + f) | 0;
    h[6] = (h[6]! + g) | 0;
    h[7] = (h[7]! + hh) | 0;
  }
}
