/**
 * Renders a feed document to RFC 5545 bytes with ical-generator, deterministically: every value that
 * ical-generator would otherwise take from the clock, randomness or the host's time zone is set here.
 */
import ical, { ICalCalendarMethod } from "ical-generator";
import { DateTime } from "luxon";
import type { EventFacts } from "../feeds/events.ts";
import type { HistoryEntry } from "../feeds/history.ts";
import { buildVtimezone } from "../time/vtimezone.ts";
import { cleanText, escapeText } from "./text.ts";

/** PRODID of every feed (RFC 5545 §3.7.3). */
export const PRODID = "-//shiftfeed//shiftfeed 1.0//EN";

/** One event to render: its facts and its change record. */
export interface FeedEvent {
  facts: EventFacts;
  meta: HistoryEntry;
}

/** What a feed shows and how it names itself. */
export interface FeedDocument {
  /** `person`: the subscriber's own shifts; `schedule`: everyone's, with names in the summary. */
  view: "person" | "schedule";
  /** Calendar name (X-WR-CALNAME / NAME). */
  name: string;
  /** Time zone hint for clients (X-WR-TIMEZONE). */
  zone: string;
  /** Suggested polling interval in seconds (REFRESH-INTERVAL / X-PUBLISHED-TTL). */
  refreshSeconds: number;
  events: FeedEvent[];
}

const utc = (seconds: number) => DateTime.fromSeconds(seconds, { zone: "utc" });
const utcMs = (ms: number) => DateTime.fromMillis(ms, { zone: "utc" });

function description(facts: EventFacts, view: FeedDocument["view"]): string {
  const lines = [`Schedule: ${facts.scheduleName}`];
  if (view === "schedule") lines.push(`Who: ${facts.personName}`);
  if (facts.colleagues.length > 0) lines.push(`With: ${facts.colleagues.join(", ")}`);
  if (facts.note !== undefined) lines.push(`Note: ${facts.note}`);
  return cleanText(lines.join("\n"));
}

/** Orders events by start, then UID, so the same content always renders in the same order. */
export function compareEvents(a: FeedEvent, b: FeedEvent): number {
  const ka = startKey(a.facts);
  const kb = startKey(b.facts);
  if (ka !== kb) return ka < kb ? -1 : 1;
  return a.facts.uid < b.facts.uid ? -1 : a.facts.uid > b.facts.uid ? 1 : 0;
}

function startKey(facts: EventFacts): string {
  return facts.timing.allDay
    ? `${facts.timing.startDate}T00:00:00`
    : new Date(facts.timing.start.epochMs).toISOString().slice(0, 19);
}

/** The years a VTIMEZONE must cover for a zone's events. */
function zoneYears(events: readonly FeedEvent[]): Map<string, { from: number; to: number }> {
  const years = new Map<string, { from: number; to: number }>();
  for (const { facts } of events) {
    if (facts.timing.allDay) continue;
    const from = Number(facts.timing.start.local.slice(0, 4));
    const to = Number(facts.timing.end.local.slice(0, 4));
    const seen = years.get(facts.zone);
    years.set(facts.zone, seen ? { from: Math.min(seen.from, from), to: Math.max(seen.to, to) } : { from, to });
  }
  return years;
}

/**
 * The feed's bytes as a string: CRLF line endings, lines folded at 75 octets, ending in CRLF.
 * Timed events carry `TZID=` with a rule-based VTIMEZONE; an event whose start or end is a local time that
 * occurs twice (a fall-back overlap) is written in UTC instead, so every client reads one instant.
 */
export function renderFeed(doc: FeedDocument): string {
  const events = [...doc.events].sort(compareEvents);
  const years = zoneYears(events);
  const calendar = ical({
    prodId: PRODID.slice(1),
    method: ICalCalendarMethod.PUBLISH,
    name: escapeText(doc.name),
    ttl: doc.refreshSeconds,
    timezone: {
      name: null,
      generator: (zone: string) => {
        const range = years.get(zone);
        return range ? buildVtimezone(zone, range.from, range.to) : null;
      },
    },
  });
  for (const { facts, meta } of events) {
    const summary = doc.view === "schedule" ? `${facts.shiftName}: ${facts.personName}` : facts.shiftName;
    const event = calendar.createEvent({
      id: facts.uid,
      sequence: meta.seq,
      stamp: utc(meta.modified),
      created: utc(meta.created),
      lastModified: utc(meta.modified),
      summary: cleanText(summary),
      description: description(facts, doc.view),
      start: utcMs(0),
    });
    if (facts.location !== undefined) event.location(cleanText(facts.location));
    const timing = facts.timing;
    if (timing.allDay) {
      event.allDay(true);
      event.start(DateTime.fromISO(timing.startDate, { zone: "utc" }));
      event.end(DateTime.fromISO(timing.endDateExclusive, { zone: "utc" }));
    } else if (timing.start.kind === "ambiguous" || timing.end.kind === "ambiguous") {
      event.start(utcMs(timing.start.epochMs));
      event.end(utcMs(timing.end.epochMs));
    } else {
      event.timezone(facts.zone);
      event.start(utcMs(timing.start.epochMs));
      event.end(utcMs(timing.end.epochMs));
    }
  }
  // Calendar properties must precede components (RFC 5545 §3.6), and ical-generator writes `x` ones last.
  return calendar.toString().replace("\r\nREFRESH-INTERVAL;", `\r\nX-WR-TIMEZONE:${doc.zone}\r\nREFRESH-INTERVAL;`) + "\r\n";
}
