/**
 * Untrusted text made safe for a terminal: the one place the CLI decides what of a name, a note, a user agent, a
 * file name or a server's message may reach the screen. A terminal obeys control characters in what it prints:
 * ESC and the single-byte CSI (U+009B) start sequences that set the window title, clear the screen, move the
 * cursor or write the clipboard (OSC 52); BEL ends them; CR and BS overwrite what was printed. Bidirectional
 * formatting characters (LRE…RLO, LRI…PDI, LRM, RLM, ALM) reorder the rest of a line in terminals that lay out
 * bidi text, so an unclosed RIGHT-TO-LEFT OVERRIDE in a name could make the line say something else.
 *
 * Each such character is printed visibly as `\u{…}` (its code point in hex, e.g. `\u{1B}`, `\u{202E}`): the admin
 * sees that something odd is in the data, and nothing is executed or reordered. Which are replaced: C0 controls
 * (U+0000–U+001F) — except newline and tab where the CLI lays out a block itself — DEL (U+007F), C1 controls
 * (U+0080–U+009F), the bidi formatting characters above, and the line and paragraph separators (U+2028, U+2029).
 * Backslashes are left as they are, so a name that spells `\u{1B}` prints the same as one holding ESC: both
 * harmless. `--json` output stays valid JSON with the same values: the same characters are written as `\uXXXX`.
 */

/** DEL, C1 controls, bidi formatting (ALM, LRM, RLM, LRE…RLO, LRI…PDI), line and paragraph separators. */
const NOT_C0 = "\\u007f-\\u009f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069\\u2028\\u2029";
/** Every character a terminal must not receive as it is from untrusted text (newline and tab included). */
const UNSAFE = new RegExp(`[\\u0000-\\u001f${NOT_C0}]`, "gu");
/** The same, less newline and tab: for a block whose lines and columns the CLI laid out itself. */
const UNSAFE_IN_BLOCK = new RegExp(`[\\u0000-\\u0008\\u000b-\\u001f${NOT_C0}]`, "gu");

const visible = (c: string) => `\\u{${c.codePointAt(0)!.toString(16).toUpperCase()}}`;

/**
 * `text` safe to print on a terminal: every control, bidi formatting or line-separator character written visibly as
 * `\u{…}`. With `layout`, newline and tab stay (for text the CLI itself arranged in lines and columns, whose
 * untrusted parts were each made safe without it).
 * @example
 * terminalText("Bob \x1b]0;PWNED\x07")       // "Bob \\u{1B}]0;PWNED\\u{7}"
 * terminalText("a\nb")                       // "a\\u{A}b"
 * terminalText("a\nb", { layout: true })     // "a\nb"
 */
export function terminalText(text: string, options: { layout?: boolean } = {}): string {
  return text.replace(options.layout ? UNSAFE_IN_BLOCK : UNSAFE, visible);
}

/** One untrusted value (a name, an id, a message) for a single line: {@link terminalText} without layout. */
export const terminalLine = (text: string): string => terminalText(text);

/**
 * `value` as indented JSON safe for a terminal: `JSON.stringify` escapes C0 controls already; DEL, C1 controls,
 * bidi formatting and U+2028/U+2029 are written as `\uXXXX` too, so the text parses back to the same value.
 */
export function terminalJson(value: unknown): string {
  // Outside strings, JSON.stringify writes only its own newlines and spaces; inside, C0 is escaped already.
  return JSON.stringify(value, null, 2).replace(
    UNSAFE_IN_BLOCK,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
