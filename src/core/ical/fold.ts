/**
 * Line folding (RFC 5545 §3.1): a content line longer than 75 octets is split with CRLF and one space, never
 * inside a UTF-8 sequence. The one folding of every line a feed has (the calendar head and VTIMEZONEs in
 * `assemble-feed.ts`, each event in `vevent.ts`). The same result as ical-generator's `foldLines`, the reference
 * the feeds' bytes were first written with (lines of at most 74 octets, then continuation lines of a space and at
 * most 74), without copying character by character: most lines of a feed are short and ASCII and pass through
 * untouched.
 */

const MAX_OCTETS = 74;
// eslint-disable-next-line no-control-regex -- ASCII is the point
const ASCII = /^[\u0000-\u007f]*$/;

/** UTF-8 length of the UTF-16 unit at `i` (4 for a high surrogate, which takes its pair with it). */
function octets(code: number): number {
  if (code < 0x80) return 1;
  if (code < 0x800) return 2;
  if (code >= 0xd800 && code <= 0xdbff) return 4;
  return 3;
}

function foldLine(line: string): string {
  if (line.length <= MAX_OCTETS && ASCII.test(line)) return line;
  let out = "";
  let from = 0;
  let used = 0;
  for (let i = 0; i < line.length; i++) {
    const size = octets(line.charCodeAt(i));
    if (used + size > MAX_OCTETS) {
      out += line.slice(from, i) + "\r\n ";
      from = i;
      used = 0;
    }
    used += size;
    if (size === 4) i++; // the low surrogate travels with its pair
  }
  return out + line.slice(from);
}

/** Folds every CRLF-separated line of `text`. */
export function foldLines(text: string): string {
  let out = "";
  let start = 0;
  for (;;) {
    const end = text.indexOf("\r\n", start);
    if (end < 0) return out + foldLine(text.slice(start));
    out += foldLine(text.slice(start, end)) + "\r\n";
    start = end + 2;
  }
}
