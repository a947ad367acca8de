/**
 * Renders events to folded VEVENT blocks (`vevent.ts`), deterministically: nothing is taken from the clock,
 * randomness or the host's time zone. Each block comes with what a feed needs to merge it with blocks rendered
 * elsewhere (its sort key, and the zone and years its VTIMEZONE must cover), so a person's feed can be assembled
 * from pieces rendered per schedule (see `assemble-feed.ts`).
 */
import { LRUCache } from "lru-cache";
import type { EventFacts } from "../feeds/event-facts.ts";
import { writtenInUtc } from "../feeds/timing.ts";
import type { HistoryEntry } from "../feeds/history.ts";
import { memoize } from "../memo.ts";
import { groupDigits } from "./text.ts";
import { vevent, type VeventFields } from "./vevent.ts";

/** One event to render: its facts, their fingerprint, and its change record. */
export interface FeedEvent {
  facts: EventFacts;
  /** Fingerprint of `facts` (see `expandSnapshot`): equal fingerprints render equal blocks. */
  fp: string;
  meta: HistoryEntry;
}

/** Which feed an event is rendered for: `person` (the subscriber's own shifts) or `schedule` (everyone's). */
export type FeedView = "person" | "schedule";

/** A rendered event with what merging it into a feed needs. */
export interface RenderedEvent {
  /** Start (UTC instant, or the date of an all-day event) then UID: the order of events in every feed. */
  sortKey: string;
  /** The schedule's zone for a timed event, `""` for an all-day one. */
  zone: string;
  /** True when the event is written with `TZID=` (not all-day, not in UTC), so its zone needs a VTIMEZONE. */
  tzid: boolean;
  /** First and last local year of a timed event (0 for all-day ones): the span its zone's VTIMEZONE covers. */
  fromYear: number;
  toYear: number;
  /** The folded `BEGIN:VEVENT … END:VEVENT` block, ending in CRLF. */
  block: string;
}

/** "A, B, C" or, past the listed ones, "A, B, … J and 1,989 others" (never longer however big the shift). */
function colleaguesText({ colleagues, otherColleagues: others }: EventFacts): string {
  const names = colleagues.join(", ");
  return others === 0 ? names : `${names} and ${groupDigits(others)} ${others === 1 ? "other" : "others"}`;
}

function description(facts: EventFacts, view: FeedView): string {
  const lines = [`Schedule: ${facts.scheduleName}`];
  if (view === "schedule") lines.push(`Who: ${facts.personName}`);
  if (facts.colleagues.length > 0) lines.push(`With: ${colleaguesText(facts)}`);
  if (facts.note !== undefined) lines.push(`Note: ${facts.note}`);
  return lines.join("\n");
}

/** Rendered VEVENT blocks by everything they depend on: a memo of a pure function, bounded by characters. */
export type EventBlockCache = LRUCache<string, string>;

/** A cache of rendered events holding at most `maxChars` characters (about as many bytes: feeds are mostly ASCII). */
export function createEventBlockCache(maxChars: number): EventBlockCache {
  return new LRUCache<string, string>({ maxSize: maxChars, sizeCalculation: (s) => Math.max(1, s.length) });
}

/** The fields of one event's block in a view. */
export function veventFields({ facts, meta }: FeedEvent, view: FeedView): VeventFields {
  const timing = facts.timing;
  const when: VeventFields["when"] = timing.allDay
    ? { kind: "date", start: timing.startDate, endExclusive: timing.endDateExclusive }
    : writtenInUtc(timing)
      ? { kind: "utc", startMs: timing.start.epochMs, endMs: timing.end.epochMs }
      : {
          kind: "zoned",
          zone: facts.zone,
          start: timing.start.local,
          end: timing.end.local,
          startMs: timing.start.epochMs,
          endMs: timing.end.epochMs,
        };
  return {
    uid: facts.uid,
    sequence: meta.seq,
    stamp: meta.modified,
    created: meta.created,
    lastModified: meta.modified,
    summary: view === "schedule" ? `${facts.shiftName}: ${facts.personName}` : facts.shiftName,
    description: description(facts, view),
    location: facts.location,
    when,
  };
}

/** One folded `BEGIN:VEVENT … END:VEVENT` block, ending in CRLF. */
export function eventBlock(event: FeedEvent, view: FeedView, cache: EventBlockCache | null): string {
  const { facts, fp, meta } = event;
  const key = `${view}\u0000${facts.uid}\u0000${fp}\u0000${meta.seq}\u0000${meta.created}\u0000${meta.modified}`;
  const hit = cache?.get(key);
  if (hit !== undefined) return hit;
  const block = vevent(veventFields(event, view));
  cache?.set(key, block);
  return block;
}

/** The sort key of an event: start (UTC, or the date for all-day events), then UID. */
function sortKey(facts: EventFacts): string {
  const start = facts.timing.allDay
    ? `${facts.timing.startDate}T00:00:00`
    : isoSeconds(facts.timing.start.epochMs);
  return `${start} ${facts.uid}`;
}

/** `YYYY-MM-DDTHH:MM:SS` (UTC) of an instant, remembered: a schedule's events start at a few times a day. */
const isoSeconds = memoize((ms: number) => new Date(ms).toISOString().slice(0, 19), 4096);

const byKey = (a: { sortKey: string }, b: { sortKey: string }) =>
  a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0;

/**
 * Renders events for a view, sorted by start then UID.
 * @param cache rendered blocks to reuse (an unchanged event is then serialized once across feeds and revisions).
 */
export function renderEvents(
  events: readonly FeedEvent[],
  view: FeedView,
  cache: EventBlockCache | null = null,
): RenderedEvent[] {
  return events
    .map((event): RenderedEvent => ({ ...placing(event), block: eventBlock(event, view, cache) }))
    .sort(byKey);
}

/** An event placed in a feed's order, its block not rendered yet (`blockOf`). */
export interface PlacedEvent extends Omit<RenderedEvent, "block"> {
  event: FeedEvent;
}

/**
 * {@link renderEvents} without the blocks: the events in the same order with what a feed's opening needs, for a
 * feed so big that its blocks are rendered one at a time as they are encoded (a whole schedule's feed).
 */
export function placeEvents(events: readonly FeedEvent[]): PlacedEvent[] {
  return events.map((event): PlacedEvent => ({ ...placing(event), event })).sort(byKey);
}

/** The block of a placed event (as {@link renderEvents} renders it). */
export function blockOf(placed: PlacedEvent, view: FeedView, cache: EventBlockCache | null = null): string {
  return eventBlock(placed.event, view, cache);
}

/** Where an event goes in a feed and the VTIMEZONE span it needs. */
function placing({ facts }: FeedEvent): Omit<RenderedEvent, "block"> {
  const timing = facts.timing;
  const timed = !timing.allDay;
  return {
    sortKey: sortKey(facts),
    zone: timed ? facts.zone : "",
    tzid: timed && !writtenInUtc(timing),
    fromYear: timed ? Number(timing.start.local.slice(0, 4)) : 0,
    toYear: timed ? Number(timing.end.local.slice(0, 4)) : 0,
  };
}

/** Merges lists each sorted by `sortKey` into one sorted list. */
export function mergeRendered(lists: readonly (readonly RenderedEvent[])[]): RenderedEvent[] {
  const nonEmpty = lists.filter((l) => l.length > 0);
  if (nonEmpty.length === 1) return [...nonEmpty[0]!];
  return nonEmpty.flat().sort(byKey);
}
