/**
 * One event's `BEGIN:VEVENT … END:VEVENT` block, written directly: the exact bytes ical-generator 11 writes for
 * the properties a feed uses (UID, SEQUENCE, DTSTAMP, DTSTART/DTEND, the all-day markers, SUMMARY, LOCATION,
 * DESCRIPTION, CREATED, LAST-MODIFIED, in its order and with its escaping and folding), without building a
 * calendar object per event — a publish of 500,000 assignments renders as many blocks.
 * `test/render/vevent.test.ts` holds it to ical-generator's output, which stays the reference.
 */
import { memoize } from "../memo.ts";
import { foldLines } from "./fold.ts";
import { escapeValue as escape } from "./text.ts";

/** What one block says. Times are whole seconds since the epoch (UTC); local times `YYYY-MM-DDTHH:MM:SS`. */
export interface VeventFields {
  uid: string;
  sequence: number;
  stamp: number;
  created: number;
  lastModified: number;
  summary: string;
  description: string;
  location: string | undefined;
  when:
    | { kind: "date"; start: string; endExclusive: string }
    | { kind: "zoned"; zone: string; start: string; end: string; startMs: number; endMs: number }
    | { kind: "utc"; startMs: number; endMs: number };
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/**
 * `YYYYMMDDTHHMMSSZ` of an instant, remembered: a schedule's events share a few (the revisions that stamped them,
 * the times of its shifts), so each is written once and looked up after.
 */
const utcStamp = memoize(writeUtcStamp, 4096);

function writeUtcStamp(ms: number): string {
  const d = new Date(ms);
  return (
    pad(d.getUTCFullYear(), 4) +
    pad(d.getUTCMonth() + 1) +
    pad(d.getUTCDate()) +
    "T" +
    pad(d.getUTCHours()) +
    pad(d.getUTCMinutes()) +
    pad(d.getUTCSeconds()) +
    "Z"
  );
}

/** `YYYYMMDD` of `YYYY-MM-DD`. */
const dateValue = (date: string) => date.slice(0, 4) + date.slice(5, 7) + date.slice(8, 10);

/** `YYYYMMDDTHHMMSS` of a local `YYYY-MM-DDTHH:MM:SS`. */
const localValue = (local: string) =>
  dateValue(local) + "T" + local.slice(11, 13) + local.slice(14, 16) + local.slice(17, 19);

/** The folded block, ending in CRLF. */
export function vevent(f: VeventFields): string {
  let g = "BEGIN:VEVENT\r\nUID:" + f.uid + "\r\nSEQUENCE:" + f.sequence + "\r\n";
  g += "DTSTAMP:" + utcStamp(f.stamp * 1000) + "\r\n";
  const w = f.when;
  if (w.kind === "date") {
    const [start, end] = w.start > w.endExclusive ? [w.endExclusive, w.start] : [w.start, w.endExclusive];
    g += "DTSTART;VALUE=DATE:" + dateValue(start) + "\r\n";
    g += "DTEND;VALUE=DATE:" + dateValue(end) + "\r\n";
    g += "X-MICROSOFT-CDO-ALLDAYEVENT:TRUE\r\nX-MICROSOFT-MSNCALENDAR-ALLDAYEVENT:TRUE\r\n";
  } else if (w.kind === "zoned") {
    // Like ical-generator, a start after the end is swapped (a start moved forward out of a spring-forward gap
    // can land after an end inside it).
    const [start, end] = w.startMs > w.endMs ? [w.end, w.start] : [w.start, w.end];
    g += "DTSTART;TZID=" + w.zone + ":" + localValue(start) + "\r\n";
    g += "DTEND;TZID=" + w.zone + ":" + localValue(end) + "\r\n";
  } else {
    const [start, end] = w.startMs > w.endMs ? [w.endMs, w.startMs] : [w.startMs, w.endMs];
    g += "DTSTART:" + utcStamp(start) + "\r\nDTEND:" + utcStamp(end) + "\r\n";
  }
  g += "SUMMARY:" + escape(f.summary) + "\r\n";
  if (f.location) g += "LOCATION:" + escape(f.location) + "\r\n";
  g += "DESCRIPTION:" + escape(f.description) + "\r\n";
  g += "CREATED:" + utcStamp(f.created * 1000) + "\r\n";
  g += "LAST-MODIFIED:" + utcStamp(f.lastModified * 1000) + "\r\nEND:VEVENT\r\n";
  return foldLines(g);
}
