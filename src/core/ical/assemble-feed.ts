/**
 * Assembles a feed's bytes from rendered events: the calendar head and properties, one rule-based VTIMEZONE per
 * zone in order of first use, the events in order, the end. The same events give the same bytes whether they were
 * rendered together or per schedule and merged. Every line before the events is folded here, and every event
 * block in `vevent.ts`, by the one `foldLines` (`fold.ts`).
 */
import { buildVtimezone } from "../time/vtimezone.ts";
import { foldLines } from "./fold.ts";
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
  return [...feedParts(head, events, (e) => e.block)].join("");
}

/**
 * {@link assembleFeed} as the strings it joins, in order, each event's block asked of `block` only when its turn
 * comes: a caller that encodes them one by one (`feedBytes`) never holds a big feed's text, nor all its blocks.
 */
export function* feedParts<E extends Placed>(
  head: FeedHead,
  events: readonly E[],
  block: (event: E) => string,
): Generator<string> {
  yield feedOpening(head, zoneSpans(events));
  for (const e of events) yield block(e);
  yield FEED_END;
}

/** What placing an event in a feed needs of it (see `RenderedEvent`). */
export type Placed = Pick<RenderedEvent, "zone" | "fromYear" | "toYear" | "tzid">;

export interface ZoneSpan {
  zone: string;
  from: number;
  to: number;
  tzid: boolean;
}

/** The last line of every feed. */
export const FEED_END = "END:VCALENDAR\r\n";

/**
 * The zones of events in order of first use by a `TZID`-written event (then those only written in UTC), with
 * the years their timed events span (UTC-written ones included). Spans of consecutive runs of events merge with
 * {@link mergeZoneSpans} into the spans of all of them.
 */
export function zoneSpans(events: Iterable<Placed>): ZoneSpan[] {
  const spans = new SpanSet();
  for (const e of events) if (e.zone !== "") spans.add(e.zone, e.fromYear, e.toYear, e.tzid);
  return spans.list();
}

/** The spans of consecutive runs of events (each from {@link zoneSpans}), as {@link zoneSpans} of all of them. */
export function mergeZoneSpans(runs: readonly (readonly ZoneSpan[])[]): ZoneSpan[] {
  const spans = new SpanSet();
  for (const run of runs) for (const s of run) spans.add(s.zone, s.from, s.to, s.tzid);
  return spans.list();
}

class SpanSet {
  readonly #spans = new Map<string, ZoneSpan>();
  readonly #used: string[] = [];

  add(zone: string, from: number, to: number, tzid: boolean): void {
    let span = this.#spans.get(zone);
    if (span) {
      span.from = Math.min(span.from, from);
      span.to = Math.max(span.to, to);
    } else this.#spans.set(zone, (span = { zone, from, to, tzid: false }));
    if (tzid && !span.tzid) {
      span.tzid = true;
      this.#used.push(zone);
    }
  }

  list(): ZoneSpan[] {
    const rest = [...this.#spans.values()].filter((s) => !s.tzid);
    return [...this.#used.map((zone) => this.#spans.get(zone)!), ...rest];
  }
}

/**
 * A feed's text before its first event: the calendar head (the bytes ical-generator 11 wrote for it, which
 * `test/render/feed-head.test.ts` holds it to), the calendar properties, one VTIMEZONE per `TZID` zone; all of
 * it before the first component (RFC 5545 §3.6: `icalbody = calprops component`). The refresh hints are RFC 7986
 * §5.7's and the `X-PUBLISHED-TTL` Outlook reads.
 */
export function feedOpening(head: FeedHead, spans: readonly ZoneSpan[]): string {
  const name = escapeText(head.name);
  const ttl = isoDuration(head.refreshSeconds);
  let text = `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:${PRODID}\r\nMETHOD:PUBLISH\r\n`;
  if (name !== "") text += `NAME:${name}\r\nX-WR-CALNAME:${name}\r\n`;
  text += `X-WR-TIMEZONE:${head.zone}\r\nREFRESH-INTERVAL;VALUE=DURATION:${ttl}\r\nX-PUBLISHED-TTL:${ttl}\r\n`;
  for (const span of spans) {
    if (span.tzid) text += buildVtimezone(span.zone, span.from, span.to) + "\r\n";
  }
  return foldLines(text);
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
