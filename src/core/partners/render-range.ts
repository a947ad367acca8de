/**
 * A partner range's bytes, in pieces: the schedule's events touching the range, from its stored state, as an
 * iCalendar document (the same VEVENTs, UIDs and SEQUENCEs as the schedule feed) or as JSON. A range is its head,
 * then one piece per month of the range — the events whose first local date is in that month — after a piece of
 * the events that begin before the range and reach into it, then its end. Pieces are the unit of work and of
 * caching: a 12-month range is 13 pieces, a range one month later shares 12 of them, and a repeated range is
 * only its head and cached bytes, written out as they are (never one string of the whole answer). Rendering a
 * piece expands only the assignments that can touch it, so its cost follows the months asked, not the schedule.
 */
import type { ExpandedEvent } from "../feeds/event-facts.ts";
import { expandSnapshot } from "../feeds/events.ts";
import { FEED_END, feedOpening, mergeZoneSpans, zoneSpans, type ZoneSpan } from "../ical/assemble-feed.ts";
import { renderEvents, type FeedEvent } from "../ical/render-events.ts";
import type { Codec } from "../compress.ts";
import { calendarName } from "../publish/feed-specs.ts";
import { readState, type ScheduleState } from "../publish/schedule-state.ts";
import type { ScheduleRow } from "../store/schedules-table.ts";
import type { SqlPort } from "../store/sql-port.ts";
import { addDays } from "../time/local-time.ts";
import type { DateRange } from "./range.ts";

/** The two representations of a range. */
export type RangeFormat = "ics" | "json";

/** One event of a JSON range: instants in UTC (ISO 8601), all-day events as local dates with an exclusive end. */
export interface RangeEvent {
  uid: string;
  person: { id: string; name: string };
  shift: string;
  allDay: boolean;
  start: string;
  end: string;
  location?: string;
  note?: string;
  sequence: number;
  lastModified: string;
}

/**
 * A rendered piece: its events' bytes (JSON objects joined by commas, or VEVENT blocks), and for iCalendar the
 * zones its timed events use (the range's VTIMEZONEs are made from those of all its pieces).
 */
export interface RangePiece {
  bytes: Uint8Array;
  zones: ZoneSpan[];
}

/**
 * The pieces of a snapped range, in order: `<YYYY-MM` (the events beginning before the range's first month and
 * touching it), then `YYYY-MM` for each month (the events whose first local date is in it).
 */
export function piecesOf(range: DateRange): string[] {
  const first = range.from.slice(0, 7);
  const out = [`<${first}`];
  for (let month = first; month <= range.to.slice(0, 7); month = nextMonth(month)) out.push(month);
  return out;
}

function nextMonth(month: string): string {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, "0")}`;
}

/** Whether a piece id is one {@link piecesOf} makes. */
export function isPieceId(id: string): boolean {
  return /^<?\d{4}-(0[1-9]|1[0-2])$/.test(id);
}

/**
 * Renders pieces of one schedule state.
 * @param encode makes a piece's bytes from its text (where they live: e.g. shared memory).
 * @throws Error when an assignment has no history entry (a damaged state).
 */
export function renderPieces(
  state: ScheduleState,
  format: RangeFormat,
  ids: readonly string[],
  encode: (text: string) => Uint8Array,
): RangePiece[] {
  if (ids.length === 0) return [];
  // Only assignments that can touch the pieces are expanded: those of a piece's month, and for a piece reaching
  // into a month, those before it that end on or after the day before it (an event's last date is at most a day
  // after its last date as sent: an overnight shift). Every assignment of a kept date is kept too, so colleagues
  // (who works the same shift that date) come out as in a whole expansion.
  const months = new Set(ids.filter((id) => !id.startsWith("<")));
  const reaching = ids
    .filter((id) => id.startsWith("<"))
    .map((id) => ({ before: `${id.slice(1)}-01`, last: addDays(`${id.slice(1)}-01`, -1) }));
  const all = state.snapshot.assignments;
  const dates = new Set<string>();
  for (const a of all) {
    const end = a.endDate ?? a.date;
    if (months.has(a.date.slice(0, 7)) || reaching.some((r) => a.date < r.before && end >= r.last))
      dates.add(a.date);
  }
  const expanded = expandSnapshot({ ...state.snapshot, assignments: all.filter((a) => dates.has(a.date)) });
  const byMonth = new Map<string, ExpandedEvent[]>();
  for (const e of expanded) {
    const month = e.facts.firstDate.slice(0, 7);
    const list = byMonth.get(month);
    if (list) list.push(e);
    else byMonth.set(month, [e]);
  }
  return ids.map((id) => {
    const month = id.replace("<", "");
    const start = `${month}-01`;
    const events = id.startsWith("<")
      ? expanded.filter((e) => e.facts.firstDate < start && e.facts.lastDate >= start)
      : (byMonth.get(month) ?? []);
    return renderPiece(state, events, format, encode);
  });
}

function renderPiece(
  state: ScheduleState,
  expanded: readonly ExpandedEvent[],
  format: RangeFormat,
  encode: (text: string) => Uint8Array,
): RangePiece {
  const events: FeedEvent[] = expanded.map((e) => {
    const meta = state.history.get(e.facts.assignmentId);
    if (!meta) throw new Error(`no history for assignment \`${e.facts.assignmentId}\``);
    return { facts: e.facts, meta, fp: e.fp };
  });
  if (format === "ics") {
    const rendered = renderEvents(events, "schedule");
    return { bytes: encode(rendered.map((e) => e.block).join("")), zones: zoneSpans(rendered) };
  }
  const json = events.map(jsonEvent).sort((a, b) => (a.start + a.uid < b.start + b.uid ? -1 : 1));
  return { bytes: encode(json.map((e) => JSON.stringify(e)).join(",")), zones: [] };
}

function jsonEvent({ facts, meta }: FeedEvent): RangeEvent {
  const t = facts.timing;
  return {
    uid: facts.uid,
    person: { id: facts.personId, name: facts.personName },
    shift: facts.shiftName,
    allDay: t.allDay,
    start: t.allDay ? t.startDate : new Date(t.start.epochMs).toISOString(),
    end: t.allDay ? t.endDateExclusive : new Date(t.end.epochMs).toISOString(),
    ...(facts.location !== undefined && { location: facts.location }),
    ...(facts.note !== undefined && { note: facts.note }),
    sequence: meta.seq,
    lastModified: new Date(meta.modified * 1000).toISOString(),
  };
}

/** What a range's head says: the schedule, its organization's name, the snapped range. */
export interface RangeHead {
  format: RangeFormat;
  schedule: ScheduleRow;
  orgName: string;
  range: DateRange;
  /** The refresh hint of an iCalendar range, in seconds. */
  refreshSeconds: number;
}

const encoder = new TextEncoder();

/** A range's bytes as the parts to write, in order, and their total length. */
export interface RangeBody {
  parts: Uint8Array[];
  length: number;
}

/** The whole range from its head and its pieces (in {@link piecesOf} order): nothing is copied. */
export function assembleRange(head: RangeHead, pieces: readonly RangePiece[]): RangeBody {
  const { schedule: row, range } = head;
  const parts: Uint8Array[] = [];
  if (head.format === "ics") {
    const calendar = { name: calendarName(row.name, head.orgName), zone: row.timezone };
    const spans = mergeZoneSpans(pieces.map((p) => p.zones));
    parts.push(encoder.encode(feedOpening({ ...calendar, refreshSeconds: head.refreshSeconds }, spans)));
    for (const piece of pieces) if (piece.bytes.byteLength > 0) parts.push(piece.bytes);
    parts.push(encoder.encode(FEED_END));
  } else {
    const { org, schedule, name, revision, timezone } = row;
    const open = JSON.stringify({ org, schedule, name, revision, timezone, ...range, events: [] });
    parts.push(encoder.encode(open.slice(0, -2))); // up to and with the `[` of the events
    const comma = encoder.encode(",");
    for (const piece of pieces) {
      if (piece.bytes.byteLength === 0) continue;
      if (parts.length > 1) parts.push(comma);
      parts.push(piece.bytes);
    }
    parts.push(encoder.encode("]}"));
  }
  return { parts, length: parts.reduce((n, p) => n + p.byteLength, 0) };
}

/** Renders pieces from the stored state their request names, in this thread. */
export function renderStoredPieces(
  sql: SqlPort,
  codec: Codec,
): (request: { stateKey: string; format: RangeFormat; pieces: readonly string[] }) => Promise<RangePiece[]> {
  return async (request) =>
    renderPieces(await readState(sql, request.stateKey, codec), request.format, request.pieces, (text) =>
      encoder.encode(text),
    );
}

/** The whole range rendered afresh, as one byte array. @throws Error when the schedule's state is missing. */
export async function renderRange(input: RangeHead & { sql: SqlPort; codec: Codec }): Promise<Uint8Array> {
  const render = renderStoredPieces(input.sql, input.codec);
  const pieces = await render({
    stateKey: input.schedule.stateKey,
    format: input.format,
    pieces: piecesOf(input.range),
  });
  const body = assembleRange(input, pieces);
  const out = new Uint8Array(body.length);
  let at = 0;
  for (const part of body.parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}
