/**
 * What only the JSON text shows, found by linear scans over it: how deep it nests (checked before `JSON.parse`,
 * which would otherwise build a 16-million-level array out of 32 MiB of `[`) and which objects repeat a key
 * (`JSON.parse` silently keeps the last value; other parsers keep the first, so the document is ambiguous).
 */
import {
  BACKSLASH,
  CLOSE_ARRAY,
  CLOSE_OBJECT,
  COMMA,
  OPEN_ARRAY,
  OPEN_OBJECT,
  QUOTE,
} from "../json-codes.ts";
import type { Path } from "./json-path.ts";

/** Index of the quote that closes the string opened at `open`, or -1 when it is never closed. */
function stringEnd(text: string, open: number): number {
  let j = open;
  for (;;) {
    j = text.indexOf('"', j + 1);
    if (j < 0) return -1;
    let backslashes = 0;
    while (text.charCodeAt(j - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return j;
  }
}

/**
 * The position (UTF-16 index) of the first `[` or `{` that opens level `max + 1`, or -1. Safe on any text, valid
 * JSON or not: it only counts brackets outside strings, so `JSON.parse` can report the syntax errors.
 */
export function tooDeepAt(text: string, max: number): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = stringEnd(text, i);
      if (i < 0) return -1;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > max) return i;
    } else if ((c === CLOSE_ARRAY || c === CLOSE_OBJECT) && depth > 0) depth--;
  }
  return -1;
}

// Objects up to this many keys are checked by a linear search of a reused array; larger ones get a Set.
const SMALL_OBJECT = 16;

/**
 * Calls `found(path, key)` for every key that repeats an earlier key of the same object (`path` ends in the
 * key: `["assignments", 3, "date"]`). Escapes are decoded first, so `"a"` and `"\u0061"` are the same key.
 * `text` must be valid JSON (it has passed `JSON.parse`): the scan trusts its grammar.
 *
 * Cost: one pass, strings skipped with `indexOf`; no allocation per object (each nesting level reuses one key
 * array), a Set only for objects of more than 16 keys.
 */
export function findDuplicateKeys(text: string, found: (path: Path, key: string) => void): void {
  // Per nesting level (0 = the root value's container): whether it is an object, the array index or current
  // key, and the object's keys so far.
  const isObject: boolean[] = [];
  const index: number[] = [];
  const currentKey: string[] = [];
  const keys: string[][] = [];
  const keyCount: number[] = [];
  const bigKeys: (Set<string> | undefined)[] = [];
  let depth = -1;
  let expectKey = false;

  const pathTo = (key: string): Path => {
    const path: (string | number)[] = [];
    for (let d = 0; d < depth; d++) path.push(isObject[d] ? (currentKey[d] ?? "") : (index[d] ?? 0));
    path.push(key);
    return path;
  };

  const seen = (key: string): boolean => {
    const big = bigKeys[depth];
    if (big !== undefined) {
      if (big.has(key)) return true;
      big.add(key);
      return false;
    }
    const list = keys[depth] ?? (keys[depth] = []);
    const n = keyCount[depth] ?? 0;
    for (let k = 0; k < n; k++) if (list[k] === key) return true;
    if (n === SMALL_OBJECT) bigKeys[depth] = new Set([...list.slice(0, n), key]);
    else list[n] = key;
    keyCount[depth] = n + 1;
    return false;
  };

  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (expectKey) {
        const raw = text.slice(i + 1, end);
        const key = raw.includes("\\") ? (JSON.parse(text.slice(i, end + 1)) as string) : raw;
        if (seen(key)) found(pathTo(key), key);
        currentKey[depth] = key;
        expectKey = false;
      }
      i = end;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      depth++;
      isObject[depth] = c === OPEN_OBJECT;
      index[depth] = 0;
      keyCount[depth] = 0;
      bigKeys[depth] = undefined;
      expectKey = c === OPEN_OBJECT;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      bigKeys[depth] = undefined;
      depth--;
      expectKey = false;
    } else if (c === COMMA) {
      if (isObject[depth]) expectKey = true;
      else index[depth] = (index[depth] ?? 0) + 1;
    }
  }
}
