/**
 * A partner range's bytes: the schedule's events touching the range, from its stored state, as an iCalendar
 * document (the same VEVENTs, UIDs and SEQUENCEs as the schedule feed) or as JSON. Expensive (the schedule is
 * expanded), so callers cache the result by its entity tag and admit the work under load.
 */
import { expandSnapshot } from "../feeds/events.ts";
import { assembleFeed } from "../ical/assemble-feed.ts";
import { renderEvents, type FeedEvent } from "../ical/render-events.ts";
import type { Codec } from "../publish/compress.ts";
import { calendarName, windowEvents } from "../publish/feed-specs.ts";
import { readState } from "../publish/schedule-state.ts";
import type { ScheduleRow } from "../store/schedules-table.ts";
import type { SqlPort } from "../store/sql-port.ts";
import type { DateRange } from "./range.ts";

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

export interface RenderRangeInput {
  sql: SqlPort;
  codec: Codec;
  schedule: ScheduleRow;
  orgName: string;
  range: DateRange;
  format: "ics" | "json";
  refreshSeconds: number;
}

/** The range's bytes as text. @throws Error when the schedule's state is missing from the store. */
export async function renderRange(input: RenderRangeInput): Promise<string> {
  const { schedule: row, range } = input;
  const state = await readState(input.sql, row.stateKey, input.codec);
  const events = windowEvents(expandSnapshot(state.snapshot), state.history, range);
  if (input.format === "ics") {
    const head = {
      name: calendarName(row.name, input.orgName),
      zone: row.timezone,
      refreshSeconds: input.refreshSeconds,
    };
    return assembleFeed(head, renderEvents(events, "schedule"));
  }
  return JSON.stringify({
    org: row.org,
    schedule: row.schedule,
    name: row.name,
    revision: row.revision,
    timezone: row.timezone,
    from: range.from,
    to: range.to,
    events: events.map(jsonEvent).sort((a, b) => (a.start + a.uid < b.start + b.uid ? -1 : 1)),
  });
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
