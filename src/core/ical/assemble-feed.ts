/**
 * Assembles a feed's bytes from rendered events: the calendar head (ical-generator), calendar properties, one
 * rule-based VTIMEZONE per zone in order of first use, the events in order, the end. The same events give the
 * same bytes whether they were rendered together or per schedule and merged.
 */
import ical, { foldLines, ICalCalendarMethod } from "ical-generator";
import { buildVtimezone } from "../time/vtimezone.ts";
import type { RenderedEvent } from "./render-events.ts";
import { escapeText } from "./text.ts";

/** PRODID of every feed (RFC 5545 §3.7.3). */
export const PRODID = "-//shiftfeed//shiftfeed 1.0//EN";

/** How a feed names itself and how often clients should poll it. */
export interface FeedHead {
  /** Calendar name (X-WR-CALNAME / NAME). */
  name: string;
  /** Time zone hint for clients (X-WR-TIMEZONE). */
  zone: string;
  /** Suggested polling interval in seconds (REFRESH-INTERVAL / X-PUBLISHED-TTL). */
  refreshSeconds: number;
}

/**
 * The feed's bytes as a string: CRLF line endings, lines folded at 75 octets, ending in CRLF.
 * Timed events carry `TZID=` with a rule-based VTIMEZONE; an event whose start or end is a local time that
 * occurs twice (a fall-back overlap) is written in UTC instead, so every client reads one instant.
 * @param events sorted by `sortKey` (as `renderEvents` and `mergeRendered` return them).
 */
export function assembleFeed(head: FeedHead, events: readonly RenderedEvent[]): string {
  const calendar = ical({
    prodId: PRODID.slice(1),
    method: ICalCalendarMethod.PUBLISH,
    name: escapeText(head.name),
  });
  const parts = [calendar.toString().replace(/END:VCALENDAR$/, ""), calendarProperties(head)];
  // The years each zone's timed events span (UTC-written ones included), and the zones in order of first use by
  // a TZID-written event.
  const years = new Map<string, { from: number; to: number }>();
  const zones = new Set<string>();
  for (const e of events) {
    if (e.zone === "") continue;
    const seen = years.get(e.zone);
    years.set(
      e.zone,
      seen
        ? { from: Math.min(seen.from, e.fromYear), to: Math.max(seen.to, e.toYear) }
        : { from: e.fromYear, to: e.toYear },
    );
    if (e.tzid) zones.add(e.zone);
  }
  for (const zone of zones) {
    const range = years.get(zone)!;
    parts.push(foldLines(buildVtimezone(zone, range.from, range.to)) + "\r\n");
  }
  for (const e of events) parts.push(e.block);
  parts.push("END:VCALENDAR\r\n");
  return parts.join("");
}

/**
 * Calendar properties ical-generator has no option for, placed before the first component (RFC 5545 §3.6:
 * `icalbody = calprops component`): the zone hint and the refresh hints (RFC 7986 §5.7, and the
 * `X-PUBLISHED-TTL` Outlook reads).
 */
function calendarProperties(head: FeedHead): string {
  const ttl = isoDuration(head.refreshSeconds);
  return `X-WR-TIMEZONE:${head.zone}\r\nREFRESH-INTERVAL;VALUE=DURATION:${ttl}\r\nX-PUBLISHED-TTL:${ttl}\r\n`;
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
