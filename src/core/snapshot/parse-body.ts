/**
 * Request body bytes → a JSON value. Strict UTF-8 (RFC 8259 §8.1: JSON exchanged between systems is UTF-8),
 * one leading byte order mark tolerated because some producers write one, at most 64 levels of nesting.
 * Validation of the value's shape is `validateSnapshot`'s job; this only answers "is it JSON at all" (HTTP 400
 * when not).
 */
import { tooDeepAt } from "./json-text.ts";
import { SNAPSHOT_LIMITS } from "./limits.ts";

export type BodyResult = { ok: true; value: unknown } | { ok: false; message: string };
export type TextResult = { ok: true; text: string } | { ok: false; message: string };

// `ignoreBOM: true` keeps a BOM in the output instead of silently eating it: we strip exactly one ourselves,
// so a second BOM reaches JSON.parse and is reported.
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Decodes a request body: strict UTF-8 (invalid sequences → error), one leading UTF-8 BOM is accepted and
 * skipped, then `JSON.parse` (see {@link parseJsonText}). Messages name the problem and, where known, its position.
 *
 * @example
 * parseJsonBody(new TextEncoder().encode('{"a":1}')) // { ok: true, value: { a: 1 } }
 * parseJsonBody(new TextEncoder().encode('{"a":'))   // { ok: false, message: "body is not valid JSON: Unexpected end of JSON input" }
 */
export function parseJsonBody(bytes: Uint8Array): BodyResult {
  const decoded = decodeJsonText(bytes);
  return decoded.ok ? parseJsonText(decoded.text) : decoded;
}

/** The text of a JSON body: strict UTF-8, one leading BOM skipped, not empty. */
export function decodeJsonText(bytes: Uint8Array): TextResult {
  const hasBom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const content = hasBom ? bytes.subarray(3) : bytes;
  if (content.length === 0) return { ok: false, message: "body is empty: expected a JSON document" };
  try {
    return { ok: true, text: decoder.decode(content) };
  } catch {
    const offset = firstInvalidUtf8(content) + (hasBom ? 3 : 0);
    return { ok: false, message: `body is not valid UTF-8: invalid byte sequence at byte offset ${offset}` };
  }
}

/**
 * `JSON.parse`, after refusing text that nests deeper than `SNAPSHOT_LIMITS.maxNesting` (RFC 8259 §9 lets a parser
 * limit depth): a snapshot needs 3 levels, and a deep pile of brackets would cost seconds to build for nothing.
 */
export function parseJsonText(text: string): BodyResult {
  const max = SNAPSHOT_LIMITS.maxNesting;
  const deep = tooDeepAt(text, max);
  if (deep >= 0) {
    return {
      ok: false,
      message: `body nests arrays and objects more than ${max} levels deep (at position ${deep}); a snapshot needs 3`,
    };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, message: `body is not valid JSON: ${detail}` };
  }
}

/**
 * Offset of the first byte that starts an ill-formed UTF-8 sequence (Unicode 15 §3.9, Table 3-7:
 * no overlongs, no surrogates, nothing above U+10FFFF), or `bytes.length` if all is well-formed.
 */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return i;
    }
    i += need + 1;
  }
  return bytes.length;
}
