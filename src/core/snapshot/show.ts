/**
 * How untrusted input appears in error messages and paths: every value by what it is ("nothing", "an array",
 * "a number too large to represent"), every string and key quoted and cut to {@link SHOWN_CHARACTERS}. One
 * place for it, so that no input, however large or odd, can make an error body large or misleading.
 */

/** Most code points of one input string (a value or an object key) that a message or path repeats. */
export const SHOWN_CHARACTERS = 48;

/** Counts code points without allocating (a UTF-16 surrogate pair is one character). */
export function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

// Characters a reader could not see or tell from a space: DEL and C1 controls, format (Cf: zero-width, bidi
// controls, BOM), default ignorables, separators other than the plain space. JSON.stringify leaves them as they
// are (it escapes only C0 controls, quotes and backslashes); we escape them.
const UNSEEN =
  /[\u007f-\u009f\p{Cf}\p{Default_Ignorable_Code_Point}\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u;

/** One code point as it appears inside a quoted string: JSON's escapes, plus `\uXXXX` for unseen characters. */
function written(cp: string): string {
  if (!UNSEEN.test(cp)) return JSON.stringify(cp).slice(1, -1);
  let out = "";
  for (let i = 0; i < cp.length; i++) out += `\\u${cp.charCodeAt(i).toString(16).padStart(4, "0")}`;
  return out;
}

/**
 * `s` as a JSON string literal (control and unseen characters escaped), cut once its inside would pass
 * {@link SHOWN_CHARACTERS} characters of output (escapes count at their written length, and are never split, nor
 * are surrogate pairs). A cut string ends in `…"` and, unless `count` is false, says how long it was.
 *
 * @example
 * quote("\u200b")                // '"\\u200b"' (JSON.stringify would leave it invisible)
 * quote("x".repeat(30_000_000)) // '"xxx…" (30000000 characters)', with 48 x before the ellipsis
 */
export function quote(s: string, count = true): string {
  if (s.length <= SHOWN_CHARACTERS && !UNSEEN.test(s)) {
    const whole = JSON.stringify(s);
    if (whole.length <= SHOWN_CHARACTERS + 2) return whole;
  }
  let inside = "";
  let end = 0;
  while (end < s.length) {
    const c = s.charCodeAt(end);
    const d = s.charCodeAt(end + 1);
    const units = c >= 0xd800 && c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff ? 2 : 1;
    const next = written(s.slice(end, end + units));
    if (inside.length + next.length > SHOWN_CHARACTERS) break;
    inside += next;
    end += units;
  }
  if (end === s.length) return `"${inside}"`;
  return count ? `"${inside}…" (${codePoints(s)} characters)` : `"${inside}…"`;
}

/** Keys shown in backticks as they are: printable ASCII without backticks, no edge spaces, not too long. */
const PLAIN_KEY = new RegExp(`^(?! )[\\x20-\\x5f\\x61-\\x7e]{1,${SHOWN_CHARACTERS}}(?<! )$`);

/**
 * An object key for a message: `` `email` `` when plain, else quoted and cut like any other input string.
 *
 * @example
 * showKey("emial")   // "`emial`"
 * showKey("a\nb")    // '"a\\nb"'
 */
export function showKey(key: string): string {
  return PLAIN_KEY.test(key) ? `\`${key}\`` : quote(key);
}

/**
 * An input value for a message: strings quoted (and cut), other values by kind, numbers as JSON would write
 * them. Numbers JSON cannot represent come from huge literals (`1e309` parses to Infinity) and say so.
 *
 * @example
 * show("2026-02-30") // '"2026-02-30"'
 * show(undefined)    // "nothing"
 * show(Infinity)     // "a number too large to represent"
 */
export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return quote(value);
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "a value that is not a number";
    if (value === Infinity) return "a number too large to represent";
    if (value === -Infinity) return "a negative number too large to represent";
    return `number ${Object.is(value, -0) ? "-0" : JSON.stringify(value)}`;
  }
  if (typeof value === "boolean") return `boolean ${value}`;
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}
