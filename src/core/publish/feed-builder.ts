/**
 * Decides what one feed shows today: which events fall in the window, its name and zone hint, and a
 * fingerprint of all that input so an unchanged feed is never rendered again.
 */
import type { FeedDocument, FeedEvent } from "../ical/render-feed.ts";
import type { ExpandedEvent } from "../feeds/events.ts";
import { fingerprint } from "../feeds/fingerprint.ts";
import { displayText } from "../ical/text.ts";
import { addDays, localDateOf } from "../time/local-time.ts";
import { parseFeedKey, type FeedKey } from "./keys.ts";
import { schedulesOf, type LoadedSchedule, type OrgState } from "./org-state.ts";

/** Bumped whenever rendering changes, so every feed is rendered again once after an upgrade. */
export const RENDER_VERSION = 3;

/** The feed window around today, in days (CONTRACT.md: `FEED_PAST_DAYS` / `FEED_FUTURE_DAYS`). */
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

/** Today's window for each zone, as of `nowMs`. */
export function windowFor(zone: string, nowMs: number, settings: WindowSettings): DateWindow {
  const today = localDateOf(nowMs, zone);
  return { from: addDays(today, -settings.pastDays), to: addDays(today, settings.futureDays) };
}

function inWindow(event: ExpandedEvent, w: DateWindow): boolean {
  return event.facts.lastDate >= w.from && event.facts.firstDate <= w.to;
}

function toFeedEvents(
  events: readonly ExpandedEvent[],
  schedule: LoadedSchedule,
  w: DateWindow,
): FeedEvent[] {
  const out: FeedEvent[] = [];
  for (const e of events) {
    if (!inWindow(e, w)) continue;
    const meta = schedule.history.get(e.facts.assignmentId);
    if (!meta) throw new Error(`no history for assignment \`${e.facts.assignmentId}\``);
    out.push({ facts: e.facts, meta, fp: e.fp });
  }
  return out;
}

/** "Ana López, MD · St. Mary's Health": each part display text, so neither can reorder the other. */
function calendarName(subject: string, orgName: string): string {
  return `${displayText(subject)} · ${displayText(orgName)}`;
}

/** A feed's document plus the fingerprint of its input, or `null` when the feed no longer exists. */
export interface BuiltFeed {
  doc: FeedDocument;
  inputHash: string;
}

/** Builds the document of one feed of an organization, as of `nowMs`. */
export function buildFeed(
  org: OrgState,
  key: FeedKey,
  nowMs: number,
  settings: WindowSettings,
): BuiltFeed | null {
  const { kind, id } = parseFeedKey(key);
  const orgName = org.manifest.name;
  let doc: FeedDocument;
  let windowEvents: FeedEvent[];
  if (kind === "schedule") {
    const schedule = org.schedules.get(id);
    if (!schedule) return null;
    const zone = schedule.snapshot.schedule.timezone;
    windowEvents = toFeedEvents(schedule.events, schedule, windowFor(zone, nowMs, settings));
    doc = {
      view: "schedule",
      name: calendarName(schedule.snapshot.schedule.name, orgName),
      zone,
      refreshSeconds: settings.refreshSeconds,
      events: windowEvents,
    };
  } else {
    const ids = schedulesOf(org, id);
    if (ids.length === 0) return null;
    const schedules = ids.map((sid) => org.schedules.get(sid)!);
    // The name from the most recently received schedule; the zone hint from the first by id (stable).
    const latest = schedules.reduce((a, b) => (b.receivedAt > a.receivedAt ? b : a));
    windowEvents = schedules.flatMap((s) =>
      toFeedEvents(s.byPerson.get(id) ?? [], s, windowFor(s.snapshot.schedule.timezone, nowMs, settings)),
    );
    doc = {
      view: "person",
      name: calendarName(latest.names.get(id) ?? id, orgName),
      zone: schedules[0]!.snapshot.schedule.timezone,
      refreshSeconds: settings.refreshSeconds,
      events: windowEvents,
    };
  }
  const parts = windowEvents
    .map((e) => `${e.facts.uid}|${e.fp}|${e.meta.seq}|${e.meta.created}|${e.meta.modified}`)
    .sort();
  const inputHash = fingerprint(
    JSON.stringify([RENDER_VERSION, doc.view, doc.name, doc.zone, doc.refreshSeconds, parts]),
  );
  return { doc, inputHash };
}
