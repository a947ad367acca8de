/**
 * Bidirectional-text isolation for user-provided strings inside composed values ("Ann · St. Mary's Health",
 * "With: Ann, Bob"): an unclosed right-to-left override in a name would otherwise reorder everything after it.
 * UAX #9 (https://www.unicode.org/reports/tr9/): text between FIRST STRONG ISOLATE (U+2068) and POP DIRECTIONAL
 * ISOLATE (U+2069) is laid out apart from its surroundings, and the PDI closes every embedding and override
 * opened inside (rule X6a). Isolates end at a paragraph separator (rule P1), so each line is isolated alone.
 */

const FSI = "\u2068";
const PDI = "\u2069";

/** Explicit directional formatting: embeddings, overrides and their pop (U+202A–E), isolates (U+2066–9), marks. */
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/;
/** Runs of text between paragraph separators (LF, CR and U+2029; the other separators are control characters). */
const LINE = /[^\n\r\u2029]+/g;

/**
 * `text` with every line that holds a bidi control wrapped in FSI … PDI, its own isolates balanced (a stray PDI
 * is dropped, an open LRI/RLI/FSI is closed) so the wrapper's PDI closes exactly the wrapper. Text without
 * bidi controls is returned unchanged.
 * @example isolateBidi("Ann\u202E") // "\u2068Ann\u202E\u2069"
 */
export function isolateBidi(text: string): string {
  if (!BIDI_CONTROL.test(text)) return text;
  return text.replace(LINE, (line) => (BIDI_CONTROL.test(line) ? FSI + balanceIsolates(line) + PDI : line));
}

/** A line whose isolate initiators and PDIs pair up: unmatched PDIs removed, unclosed initiators closed. */
function balanceIsolates(line: string): string {
  let open = 0;
  let out = "";
  for (const ch of line) {
    if (ch === "\u2066" || ch === "\u2067" || ch === FSI) open++;
    else if (ch === PDI) {
      if (open === 0) continue;
      open--;
    }
    out += ch;
  }
  return out + PDI.repeat(open);
}
