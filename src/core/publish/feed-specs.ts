/**
 * What each feed shows today, and the fingerprint of that input, so an unchanged feed is never rendered again:
 * a schedule's window of events, a person's piece of one schedule, a person's feed across their schedules.
 */
import type { ExpandedEvent } from "../feeds/event-facts.ts";
import { fingerprint } from "../feeds/fingerprint.ts";
import type { History } from "../feeds/history.ts";
import type { FeedHead } from "../ical/assemble-feed.ts";
import type { FeedEvent } from "../ical/render-events.ts";
import { displayText } from "../ical/text.ts";
import type { PersonPiece } from "../store/pieces-table.ts";
import { addDays, localDateOf } from "../time/local-time.ts";

/** Bumped whenever rendering changes, so every feed is rendered again once after an upgrade. */
export const RENDER_VERSION = 4;

/** The feed window around today, in days (`FEED_PAST_DAYS` / `FEED_FUTURE_DAYS`, docs/settings.md), and the refresh hint. */
export interface WindowSettings {
  pastDays: number;
  futureDays: number;
  refreshSeconds: number;
}

/** Inclusive local-date bounds of the window in one schedule's zone. */
export interface DateWindow {
  from: string;
  to: string;
}

/** Today's window in `zone`, as of `nowMs`. */
export function windowFor(zone: string, nowMs: number, settings: WindowSettings): DateWindow {
  const today = localDateOf(nowMs, zone);
  return { from: addDays(today, -settings.pastDays), to: addDays(today, settings.futureDays) };
}

/** The events inside the window, each with its change record. */
export function windowEvents(events: readonly ExpandedEvent[], history: History, w: DateWindow): FeedEvent[] {
  const out: FeedEvent[] = [];
  for (const e of events) {
    if (e.facts.lastDate < w.from || e.facts.firstDate > w.to) continue;
    const meta = history.get(e.facts.assignmentId);
    if (!meta) throw new Error(`no history for assignment \`${e.facts.assignmentId}\``);
    out.push({ facts: e.facts, meta, fp: e.fp });
  }
  return out;
}

/** Fingerprint of a list of events as rendered in `view`: equal fingerprints, equal blocks. */
export function eventsHash(view: "person" | "schedule", events: readonly FeedEvent[]): string {
  const parts = events
    .map((e) => `${e.facts.uid}|${e.fp}|${e.meta.seq}|${e.meta.created}|${e.meta.modified}`)
    .sort();
  return fingerprint(JSON.stringify([RENDER_VERSION, view, parts]));
}

/** "Ana López, MD · St. Mary's Health": each part display text, so neither can reorder the other. */
export function calendarName(subject: string, orgName: string): string {
  return `${displayText(subject)} · ${displayText(orgName)}`;
}

/** A feed's head and the fingerprint of everything its bytes depend on. */
export interface FeedSpec {
  head: FeedHead;
  inputHash: string;
}

/** The spec of a schedule feed from its window events' fingerprint. */
export function scheduleFeedSpec(
  scheduleName: string,
  orgName: string,
  zone: string,
  eventsInputHash: string,
  settings: WindowSettings,
): FeedSpec {
  const head = { name: calendarName(scheduleName, orgName), zone, refreshSeconds: settings.refreshSeconds };
  return { head, inputHash: headHash("schedule", head, [eventsInputHash]) };
}

/**
 * The spec of a person's feed from their pieces (sorted by schedule id), or `null` when no live schedule lists
 * them. The name comes from the most recently received schedule; the zone hint from the first by id (stable).
 */
export function personFeedSpec(
  pieces: readonly Pick<PersonPiece, "schedule" | "name" | "inputHash" | "timezone" | "receivedAt">[],
  orgName: string,
  settings: WindowSettings,
): FeedSpec | null {
  if (pieces.length === 0) return null;
  const latest = pieces.reduce((a, b) => (b.receivedAt > a.receivedAt ? b : a));
  const head = {
    name: calendarName(latest.name, orgName),
    zone: pieces[0]!.timezone,
    refreshSeconds: settings.refreshSeconds,
  };
  return {
    head,
    inputHash: headHash(
      "person",
      head,
      pieces.map((p) => `${p.schedule}|${p.inputHash}`),
    ),
  };
}

function headHash(view: string, head: FeedHead, parts: string[]): string {
  return fingerprint(
    JSON.stringify([RENDER_VERSION, view, head.name, head.zone, head.refreshSeconds, parts]),
  );
}
