/**
 * `JSON.parse` of UTF-8 bytes without their text: objects near the top are taken apart in the bytes, and the
 * items of arrays there are decoded and parsed a run of about 64 KiB at a time. A big schedule's stored state (its snapshot and
 * history, about 30 MiB of JSON at a 16 MiB snapshot) is thus never one string beside the value parsed from it —
 * what a Worker's 128 MB cannot hold both of. Structural bytes are ASCII and never inside a string, and every byte
 * of a multi-byte UTF-8 sequence is above 0x7F, so the bytes can be taken apart before they are decoded.
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

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * The value of the JSON `bytes`, as `JSON.parse` of their text gives it. Objects nested at most `splitDepth` deep
 * (the top one is 0) are taken apart, and the items of an array in one of them are parsed a run at a time; every
 * other value is parsed from its own slice of text.
 * @throws SyntaxError where the bytes are not JSON.
 */
export function parseJsonBytes(bytes: Uint8Array, splitDepth: number): unknown {
  const [value, end] = valueAt(bytes, 0, splitDepth);
  if (space(bytes, end) !== bytes.length) throw new SyntaxError(`unexpected byte at ${end} of stored JSON`);
  return value;
}

function valueAt(bytes: Uint8Array, from: number, depth: number): [unknown, number] {
  const at = space(bytes, from);
  const first = bytes[at];
  if (depth >= 0 && first === OPEN_ARRAY) {
    const i = space(bytes, at + 1);
    return bytes[i] === CLOSE_ARRAY ? [[], i + 1] : chunked(bytes, i, []);
  }
  if (depth >= 0 && first === OPEN_OBJECT) {
    // Keys as `JSON.parse` defines them: a later duplicate wins, `__proto__` is an own property.
    const object: Record<string, unknown> = {};
    let i = space(bytes, at + 1);
    if (bytes[i] === CLOSE_OBJECT) return [object, i + 1];
    for (;;) {
      const keyEnd = endOf(bytes, i);
      const key = JSON.parse(decoder.decode(bytes.subarray(i, keyEnd))) as string;
      const [item, valueEnd] = valueAt(bytes, expect(bytes, keyEnd, COLON), depth - 1);
      const end = space(bytes, valueEnd);
      Object.defineProperty(object, key, {
        value: item,
        writable: true,
        enumerable: true,
        configurable: true,
      });
      if (bytes[end] === CLOSE_OBJECT) return [object, end + 1];
      i = expect(bytes, end, COMMA);
    }
  }
  const end = endOf(bytes, at);
  return [JSON.parse(decoder.decode(bytes.subarray(at, end))), end];
}

/** Bytes of an array's items parsed at a time: small beside a big array, few calls to `JSON.parse`. */
const CHUNK_BYTES = 64 * 1024;

/** The items of an array from `at` (its first item) on, parsed a run of whole items at a time, into `list`. */
function chunked(bytes: Uint8Array, at: number, list: unknown[]): [unknown[], number] {
  let start = at;
  let i = at;
  for (;;) {
    const end = space(bytes, endOf(bytes, i));
    const last = bytes[end] === CLOSE_ARRAY;
    if (last || end - start >= CHUNK_BYTES) {
      const items = JSON.parse(`[${decoder.decode(bytes.subarray(start, end))}]`) as unknown[];
      for (const item of items) list.push(item);
      if (last) return [list, end + 1];
      start = expect(bytes, end, COMMA);
    }
    i = expect(bytes, end, COMMA);
  }
}

/** The index after `byte` at `from` and the whitespace around it. */
function expect(bytes: Uint8Array, from: number, byte: number): number {
  const at = space(bytes, from);
  if (bytes[at] !== byte)
    throw new SyntaxError(`expected \`${String.fromCharCode(byte)}\` at ${at} of stored JSON`);
  return space(bytes, at + 1);
}

/** The index of the first byte from `at` on that is not JSON whitespace. */
function space(bytes: Uint8Array, at: number): number {
  let i = at;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) break;
    i++;
  }
  return i;
}

/** The index just past the value starting at `at`: a string, an object or array (whole), or a literal. */
function endOf(bytes: Uint8Array, at: number): number {
  let depth = 0;
  let inString = false;
  for (let i = at; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) {
        inString = false;
        if (depth === 0) return i + 1;
      }
    } else if (b === QUOTE) inString = true;
    else if (b === OPEN_OBJECT || b === OPEN_ARRAY) depth++;
    else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
      if (depth === 0) return i;
      if (--depth === 0) return i + 1;
    } else if (b === COMMA && depth === 0) return i;
  }
  if (depth > 0 || inString) throw new SyntaxError("stored JSON ends inside a value");
  return bytes.length;
}
