/**
 * What a subscribe page shows: whose feed it is and their next few shifts, read from the stored pieces (the very
 * VEVENT blocks the feed is assembled from, so the page shows what the calendar will), never by expanding a
 * schedule. Times are the schedule's local wall times, as the feed writes them.
 */
import type { FeedEntry } from "./feed-entry.ts";
import type { Codec } from "../compress.ts";
import { decodePiece } from "../publish/piece-codec.ts";
import { readBlob } from "../store/blob-table.ts";
import { piecesOfPerson } from "../store/pieces-table.ts";
import { orgRow, scheduleRow } from "../store/schedules-table.ts";
import type { SqlPort } from "../store/sql-port.ts";
import { addDays, offsetAt, resolveLocalTime } from "../time/local-time.ts";

/** Shifts a subscribe page lists. */
export const UPCOMING_SHIFTS = 5;

/** One shift as a subscribe page lists it, in its schedule's local time. */
export interface UpcomingShift {
  summary: string;
  location: string | null;
  allDay: boolean;
  /** First and last day (`YYYY-MM-DD`, inclusive). */
  startDate: string;
  endDate: string;
  /** `HH:MM` local wall times; `null` for all-day shifts. */
  startTime: string | null;
  endTime: string | null;
}

/** Whose feed a token opens, for its subscribe page. */
export interface SubscribeInfo {
  kind: FeedEntry["kind"];
  /** The person's (or schedule's) name. */
  name: string;
  orgName: string;
  /** The next shifts, ongoing ones first; person feeds only (a schedule feed lists everyone's). */
  upcoming: UpcomingShift[];
}

/** Unfolded content lines of a VEVENT block, by property name (parameters kept apart). */
function properties(block: string): Map<string, { params: string; value: string }> {
  const out = new Map<string, { params: string; value: string }>();
  for (const line of block.replace(/\r\n[ \t]/g, "").split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const [name = "", ...params] = line.slice(0, colon).split(";");
    if (!out.has(name)) out.set(name, { params: params.join(";"), value: line.slice(colon + 1) });
  }
  return out;
}

/** RFC 5545 §3.3.11 TEXT, unescaped. */
const unescape = (s: string) =>
  s.replace(/\\([\\;,nN])/g, (_, c: string) => (c === "n" || c === "N" ? "\n" : c));
const dateOf = (v: string) => `${v.slice(0, 4)}-${v.slice(4, 6)}-${v.slice(6, 8)}`;
const timeOf = (v: string) => `${v.slice(9, 11)}:${v.slice(11, 13)}`;

/** A date-time value as local date and time in `zone` (a UTC value is moved into the zone). */
function local(value: string, zone: string): { date: string; time: string; epochMs: number } {
  if (!value.endsWith("Z")) {
    const date = dateOf(value);
    const time = timeOf(value);
    return { date, time, epochMs: resolveLocalTime(date, time, zone).epochMs };
  }
  const epochMs = Date.parse(`${dateOf(value)}T${timeOf(value)}:${value.slice(13, 15)}Z`);
  const wall = new Date(epochMs + offsetAt(epochMs, zone) * 60_000).toISOString();
  return { date: wall.slice(0, 10), time: wall.slice(11, 16), epochMs };
}

/** One stored VEVENT block as a shift, with the instant it ends (all-day: the end of its last day in `zone`). */
export function shiftOf(block: string, zone: string): { shift: UpcomingShift; endsMs: number } {
  const p = properties(block);
  const start = p.get("DTSTART")?.value ?? "";
  const end = p.get("DTEND")?.value ?? start;
  const summary = unescape(p.get("SUMMARY")?.value ?? "");
  const location = p.has("LOCATION") ? unescape(p.get("LOCATION")!.value) : null;
  if (p.get("DTSTART")?.params === "VALUE=DATE") {
    const endDate = addDays(dateOf(end), -1); // DTEND of an all-day event is exclusive
    const endsMs = resolveLocalTime(dateOf(end), "00:00", zone).epochMs;
    const shift = {
      summary,
      location,
      allDay: true,
      startDate: dateOf(start),
      endDate,
      startTime: null,
      endTime: null,
    };
    return { shift, endsMs };
  }
  const from = local(start, zone);
  const to = local(end, zone);
  const shift = {
    summary,
    location,
    allDay: false,
    startDate: from.date,
    endDate: to.date,
    startTime: from.time,
    endTime: to.time,
  };
  return { shift, endsMs: to.epochMs };
}

/**
 * The subscribe page's facts for a live feed entry: names, and (person feeds) the next `limit` shifts that have
 * not ended at `nowMs`. Reads the person's pieces (a few small blobs).
 */
export async function subscribeInfo(
  sql: SqlPort,
  codec: Codec,
  entry: FeedEntry,
  nowMs: number,
  limit = UPCOMING_SHIFTS,
): Promise<SubscribeInfo | null> {
  const orgName = orgRow(sql, entry.org)?.name ?? entry.org;
  if (entry.kind === "schedule") {
    const schedule = scheduleRow(sql, entry.org, entry.id);
    return schedule ? { kind: "schedule", name: schedule.name, orgName, upcoming: [] } : null;
  }
  const pieces = piecesOfPerson(sql, entry.org, entry.id);
  if (pieces.length === 0) return null;
  const latest = pieces.reduce((a, b) => (b.receivedAt > a.receivedAt ? b : a));
  const events: { key: string; shift: UpcomingShift }[] = [];
  for (const piece of pieces) {
    const bytes = readBlob(sql, piece.bodyKey);
    if (!bytes) continue;
    for (const event of await decodePiece(bytes, codec)) {
      const { shift, endsMs } = shiftOf(event.block, piece.timezone);
      if (endsMs > nowMs) events.push({ key: event.sortKey, shift });
    }
  }
  events.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { kind: "person", name: latest.name, orgName, upcoming: events.slice(0, limit).map((e) => e.shift) };
}
