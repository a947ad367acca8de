/**
 * Text for iCalendar values: RFC 5545 §3.1 forbids control characters other than HTAB in values, and TEXT
 * escapes `\ ; ,` and line breaks (§3.3.11). The one escaping every TEXT value of a feed goes through.
 */
import { isolateBidi } from "./bidi.ts";

// C0 controls except TAB, LF and CR (those become escaped newlines), DEL, and C1 controls.
// eslint-disable-next-line no-control-regex -- stripping control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/** Removes characters no iCalendar value may carry; keeps newlines for the escaper. */
export function cleanText(text: string): string {
  return text.replace(CONTROL, "");
}

/**
 * A user-provided string as every rendered text value shows it: control characters removed, and bidirectional
 * formatting isolated (see `bidi.ts`) so it cannot reorder the text composed around it. Applied once, where
 * facts are expanded and feeds named, so that what an event's fingerprint covers is exactly what its feed shows.
 */
export function displayText(text: string): string {
  return isolateBidi(cleanText(text));
}

/**
 * A TEXT value escaped per RFC 5545 §3.3.11: `\ ; ,` get a backslash, each line break (CRLF, CR or LF) becomes
 * `\n`. Control characters are left to {@link cleanText} (event text is clean by then: {@link displayText}).
 */
export function escapeValue(text: string): string {
  return text.replace(/[\\;,]/g, (match) => "\\" + match).replace(/(?:\r\n|\r|\n)/g, "\\n");
}

/** A TEXT value cleaned of control characters and escaped (for text not already cleaned: the calendar name). */
export function escapeText(text: string): string {
  return escapeValue(cleanText(text));
}

/**
 * A non-negative integer with a comma every three digits, the same on every host (no locale is consulted).
 * @example groupDigits(1990) // "1,990"
 */
export function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+$)/g, ",");
}
