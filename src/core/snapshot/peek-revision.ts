/**
 * The `revision` of a snapshot body, read without parsing the body: the top-level object's keys are walked and
 * every other value skipped, stopping at `revision` (which senders write near the top). Used only to order
 * publishes of one schedule that wait behind each other (the newest runs first); the real parse and every rule
 * still run where the publish runs, so a body this cannot read is simply not ordered.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const KEY = new TextEncoder().encode("revision");

/** The integer `revision` of a JSON object body, or `null` when it is not plainly there. */
export function peekRevision(bytes: Uint8Array): number | null {
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const n = bytes.length;
  const space = () => {
    while (i < n && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  };
  /** Skips a string starting at the quote; returns its raw bytes' bounds (escapes undecoded). */
  const string = (): [number, number] | null => {
    if (bytes[i] !== QUOTE) return null;
    const start = ++i;
    while (i < n && bytes[i] !== QUOTE) i += bytes[i] === BACKSLASH ? 2 : 1;
    if (i >= n) return null;
    return [start, i++];
  };
  /** Skips one value (any nesting). */
  const value = (): boolean => {
    let depth = 0;
    for (;;) {
      space();
      if (i >= n) return false;
      const c = bytes[i]!;
      if (c === QUOTE) {
        if (string() === null) return false;
      } else if (c === 0x7b || c === 0x5b) {
        depth++;
        i++;
      } else if (c === 0x7d || c === 0x5d) {
        depth--;
        i++;
      } else if (depth > 0 && (c === 0x2c || c === 0x3a)) i++;
      else {
        while (i < n && !/[\s,}\]]/.test(String.fromCharCode(bytes[i]!))) i++;
      }
      if (depth <= 0) return depth === 0;
    }
  };
  space();
  if (bytes[i++] !== 0x7b) return null;
  for (;;) {
    space();
    const key = string();
    if (key === null) return null;
    space();
    if (bytes[i++] !== 0x3a) return null;
    space();
    if (key[1] - key[0] === KEY.length && KEY.every((b, k) => bytes[key[0] + k] === b)) {
      const start = i;
      while (i < n && bytes[i]! >= 0x30 && bytes[i]! <= 0x39) i++;
      // Only a plain integer counts: `1e309`, `1.5` or `12abc` are left to the real parse (and its 422).
      const next = bytes[i];
      if (next === undefined || !/[\s,}]/.test(String.fromCharCode(next))) return null;
      const revision = Number(new TextDecoder().decode(bytes.subarray(start, i)));
      return i > start && Number.isSafeInteger(revision) ? revision : null;
    }
    if (!value()) return null;
    space();
    if (bytes[i++] !== 0x2c) return null;
  }
}
