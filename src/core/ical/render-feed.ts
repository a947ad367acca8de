/**
 * Renders a feed document to RFC 5545 bytes with ical-generator, deterministically: every value that
 * ical-generator would otherwise take from the clock, randomness or the host's time zone is set here.
 */
import ical, { foldLines, ICalCalendarMethod, ICalEvent, type ICalCalendar } from "ical-generator";
import { LRUCache } from "lru-cache";
import type { EventFacts } from "../feeds/events.ts";
import { writtenInUtc } from "../feeds/timing.ts";
import type { HistoryEntry } from "../feeds/history.ts";
import { buildVtimezone } from "../time/vtimezone.ts";
import { escapeText, groupDigits } from "./text.ts";
import { WallClockDate } from "./wall-clock-date.ts";

/** PRODID of every feed (RFC 5545 §3.7.3). */
export const PRODID = "-//shiftfeed//shiftfeed 1.0//EN";

/** One event to render: its facts, their fingerprint, and its change record. */
export interface FeedEvent {
  facts: EventFacts;
  /** Fingerprint of `facts` (see `expandSnapshot`): equal fingerprints render equal blocks. */
  fp: string;
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

const utc = (seconds: number) => new Date(seconds * 1000);
/** Midnight UTC of a `YYYY-MM-DD` date: ical-generator writes DATE values from UTC getters when no zone is set. */
const utcDate = (date: string) => new Date(`${date}T00:00:00Z`);

/** "A, B, C" or, past the listed ones, "A, B, … J and 1,989 others" (never longer however big the shift). */
function colleaguesText({ colleagues, otherColleagues: others }: EventFacts): string {
  const names = colleagues.join(", ");
  return others === 0 ? names : `${names} and ${groupDigits(others)} ${others === 1 ? "other" : "others"}`;
}

function description(facts: EventFacts, view: FeedDocument["view"]): string {
  const lines = [`Schedule: ${facts.scheduleName}`];
  if (view === "schedule") lines.push(`Who: ${facts.personName}`);
  if (facts.colleagues.length > 0) lines.push(`With: ${colleaguesText(facts)}`);
  if (facts.note !== undefined) lines.push(`Note: ${facts.note}`);
  return lines.join("\n");
}

/** A sort key: start (UTC, or the date for all-day events), then UID. */
function sortKey(facts: EventFacts): string {
  const start = facts.timing.allDay
    ? `${facts.timing.startDate}T00:00:00`
    : new Date(facts.timing.start.epochMs).toISOString().slice(0, 19);
  return `${start} ${facts.uid}`;
}

/** Events by start, then UID, so the same content always renders in the same order. */
export function sortEvents(events: readonly FeedEvent[]): FeedEvent[] {
  return events
    .map((e) => ({ e, key: sortKey(e.facts) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ e }) => e);
}

/** The years a VTIMEZONE must cover for a zone's events. */
function zoneYears(events: readonly FeedEvent[]): Map<string, { from: number; to: number }> {
  const years = new Map<string, { from: number; to: number }>();
  for (const { facts } of events) {
    if (facts.timing.allDay) continue;
    const from = Number(facts.timing.start.local.slice(0, 4));
    const to = Number(facts.timing.end.local.slice(0, 4));
    const seen = years.get(facts.zone);
    years.set(
      facts.zone,
      seen ? { from: Math.min(seen.from, from), to: Math.max(seen.to, to) } : { from, to },
    );
  }
  return years;
}

/** Rendered VEVENT blocks by everything they depend on: a memo of a pure function, bounded by characters. */
export type EventBlockCache = LRUCache<string, string>;

/** A cache of rendered events holding at most `maxChars` characters (about as many bytes: feeds are mostly ASCII). */
export function createEventBlockCache(maxChars: number): EventBlockCache {
  return new LRUCache<string, string>({ maxSize: maxChars, sizeCalculation: (s) => Math.max(1, s.length) });
}

/** One folded `BEGIN:VEVENT … END:VEVENT` block; ical-generator ends it with CRLF. */
function eventBlock(
  calendar: ICalCalendar,
  { facts, fp, meta }: FeedEvent,
  view: FeedDocument["view"],
  cache: EventBlockCache | null,
): string {
  const key = `${view}\u0000${facts.uid}\u0000${fp}\u0000${meta.seq}\u0000${meta.created}\u0000${meta.modified}`;
  const hit = cache?.get(key);
  if (hit !== undefined) return hit;
  const summary = view === "schedule" ? `${facts.shiftName}: ${facts.personName}` : facts.shiftName;
  const timing = facts.timing;
  const ambiguous = writtenInUtc(timing);
  const [start, end] = timing.allDay
    ? [utcDate(timing.startDate), utcDate(timing.endDateExclusive)]
    : ambiguous
      ? [new Date(timing.start.epochMs), new Date(timing.end.epochMs)]
      : [
          new WallClockDate(timing.start.epochMs, timing.start.local),
          new WallClockDate(timing.end.epochMs, timing.end.local),
        ];
  const event = new ICalEvent(
    {
      id: facts.uid,
      sequence: meta.seq,
      stamp: utc(meta.modified),
      created: utc(meta.created),
      lastModified: utc(meta.modified),
      summary,
      description: description(facts, view),
      start,
      end,
      allDay: timing.allDay,
      // No zone for all-day events (DATE values) and ambiguous local times (written in UTC).
      timezone: timing.allDay || ambiguous ? null : facts.zone,
      ...(facts.location === undefined ? {} : { location: facts.location }),
    },
    calendar,
  );
  const block = foldLines(event.toString());
  cache?.set(key, block);
  return block;
}

/**
 * The feed's bytes as a string: CRLF line endings, lines folded at 75 octets, ending in CRLF.
 * Timed events carry `TZID=` with a rule-based VTIMEZONE; an event whose start or end is a local time that
 * occurs twice (a fall-back overlap) is written in UTC instead, so every client reads one instant.
 * ical-generator writes each VEVENT and the calendar head.
 * @param cache rendered events to reuse (an unchanged event is then serialized once across feeds and revisions).
 */
export function renderFeed(doc: FeedDocument, cache: EventBlockCache | null = null): string {
  const events = sortEvents(doc.events);
  const years = zoneYears(events);
  const calendar = ical({
    prodId: PRODID.slice(1),
    method: ICalCalendarMethod.PUBLISH,
    name: escapeText(doc.name),
  });
  const head = calendar.toString().replace(/END:VCALENDAR$/, "");
  // VTIMEZONEs in order of first use by a TZID-written event.
  const zones = new Set<string>();
  for (const { facts } of events)
    if (!facts.timing.allDay && !writtenInUtc(facts.timing)) zones.add(facts.zone);
  const parts = [head, calendarProperties(doc)];
  for (const zone of zones) {
    const range = years.get(zone)!;
    parts.push(foldLines(buildVtimezone(zone, range.from, range.to)) + "\r\n");
  }
  for (const event of events) parts.push(eventBlock(calendar, event, doc.view, cache));
  parts.push("END:VCALENDAR\r\n");
  return parts.join("");
}

/**
 * Calendar properties ical-generator has no option for, placed before the first component (RFC 5545 §3.6:
 * `icalbody = calprops component`): the zone hint and the refresh hints (RFC 7986 §5.7, and the
 * `X-PUBLISHED-TTL` Outlook reads).
 */
function calendarProperties(doc: FeedDocument): string {
  const ttl = isoDuration(doc.refreshSeconds);
  return `X-WR-TIMEZONE:${doc.zone}\r\nREFRESH-INTERVAL;VALUE=DURATION:${ttl}\r\nX-PUBLISHED-TTL:${ttl}\r\n`;
}

/** `PT1H`, `P1D`, `PT1H30M` for whole seconds (RFC 5545 §3.3.6). */
function isoDuration(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const time = `${h ? `${h}H` : ""}${m ? `${m}M` : ""}${s ? `${s}S` : ""}`;
  return `P${d ? `${d}D` : ""}${time ? `T${time}` : d ? "" : "T0S"}`;
}
