/**
 * Text hygiene for iCalendar values: RFC 5545 §3.1 forbids control characters other than HTAB in values;
 * ical-generator escapes `\ ; ,` and newlines but leaves control characters and the calendar name alone.
 */
import { escape } from "ical-generator";
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

/** A TEXT value escaped per RFC 5545 §3.3.11, for properties ical-generator writes verbatim. */
export function escapeText(text: string): string {
  return escape(cleanText(text), false);
}

/**
 * A non-negative integer with a comma every three digits, the same on every host (no locale is consulted).
 * @example groupDigits(1990) // "1,990"
 */
export function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+$)/g, ",");
}
