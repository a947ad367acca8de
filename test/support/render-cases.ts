/**
 * Golden render cases: snapshots published in order through the real pipeline (FeedService on a memory store,
 * real tokens, an injected clock), then every person and schedule feed read back as identity bytes.
 * `scripts/update-golden.ts` writes what this renders; `test/render/golden.test.ts` compares against it.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import ICAL from "ical.js";
import { sha256Hex } from "../../src/core/digest.ts";
import { gunzip } from "../../src/core/compress.ts";
import { parseFeedKey, type FeedKey } from "../../src/core/store/keys.ts";
import type { Snapshot } from "../../src/core/snapshot/types.ts";
import { validateSnapshot } from "../../src/core/snapshot/validate.ts";
import { createFeedTokens } from "../../src/core/tokens.ts";
import { CASE_SETTINGS, type RenderCase } from "./golden-cases.ts";
import { createStack } from "./stack.ts";

export * from "./golden-cases.ts";

/** Repository root, as a file-system path ending in `/`. */
export const ROOT = new URL("../../", import.meta.url).pathname;
/** Where golden feeds live: `<GOLDEN_DIR><case>/<org>--<kind>-<id>.ics`. */
export const GOLDEN_DIR = `${ROOT}fixtures/golden/`;

/** A fixed 32-byte feed secret: tokens (and so nothing rendered) never vary between runs. */
const SECRET = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 0xff);

/** Reads and validates a snapshot file exactly as the admin API would. */
export function readSnapshot(file: string): Snapshot {
  const result = validateSnapshot(JSON.parse(readFileSync(`${ROOT}${file}`, "utf8")));
  if (!result.ok) throw new Error(`${file} is not a valid snapshot: ${JSON.stringify(result.details)}`);
  return result.snapshot;
}

/** The golden file name of a feed: `<org>--<person|schedule>-<id>.ics`. */
export function feedName(org: string, key: FeedKey): string {
  const { kind, id } = parseFeedKey(key);
  return `${org}--${kind}-${id}.ics`;
}

/**
 * Runs a case through `FeedService` and returns the identity bytes of every live feed, by golden file name,
 * in sorted order.
 */
export async function renderCase(
  c: RenderCase,
  settings: typeof CASE_SETTINGS = CASE_SETTINGS,
): Promise<Map<string, Uint8Array>> {
  const stack = await createStack({
    now: Date.parse(c.steps[0]?.at ?? c.readAt),
    settings,
    tokens: await createFeedTokens(SECRET),
  });
  const { service, reader, clock } = stack;
  const encoder = new TextEncoder();
  for (const step of c.steps) {
    clock.now = Date.parse(step.at);
    const snapshot = readSnapshot(step.file);
    const target = { org: snapshot.organization.id, schedule: snapshot.schedule.id };
    await service.publish(encoder.encode(JSON.stringify(snapshot)), target);
  }
  clock.now = Date.parse(c.readAt);
  await stack.maintenance.roll();
  const out = new Map<string, Uint8Array>();
  const names: [string, FeedKey][] = [];
  for (const org of service.orgIds()) for (const key of service.feedKeys(org)) names.push([org, key]);
  names.sort(([oa, ka], [ob, kb]) => (feedName(oa, ka) < feedName(ob, kb) ? -1 : 1));
  for (const [org, key] of names) {
    const entry = await reader.lookup(await service.tokenFor(org, key));
    if (!entry) throw new Error(`feed ${org}/${key} has no live token`);
    const gz = await reader.body(entry, "gzip");
    if (!(gz instanceof Uint8Array)) throw new Error(`feed ${org}/${key} has no body in the store`);
    out.set(feedName(org, key), await gunzip(gz));
  }
  return out;
}

/** SHA-256 (hex) over every feed name and its bytes, in name order: one fingerprint of a whole case. */
export async function digestFeeds(feeds: Map<string, Uint8Array>): Promise<string> {
  const parts: Uint8Array[] = [];
  const encoder = new TextEncoder();
  for (const name of [...feeds.keys()].sort()) {
    const bytes = feeds.get(name)!;
    parts.push(encoder.encode(`${name}\n${bytes.length}\n`), bytes);
  }
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    all.set(p, offset);
    offset += p.length;
  }
  return sha256Hex(all);
}

/** The golden files of a case (name → bytes), sorted by name; empty when the case has none. */
export function readGolden(caseName: string): Map<string, Uint8Array> {
  const dir = `${GOLDEN_DIR}${caseName}/`;
  const out = new Map<string, Uint8Array>();
  if (!existsSync(dir)) return out;
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".ics"))
    .sort()) {
    out.set(file, new Uint8Array(readFileSync(`${dir}${file}`)));
  }
  return out;
}

/** One VEVENT as ical.js reads it: instants as ISO strings in UTC (`…Z`), all-day dates as `YYYY-MM-DD`. */
export interface ParsedEvent {
  uid: string;
  start: string;
  end: string;
  allDay: boolean;
  /** The TZID ical.js resolved the start in (`UTC` for `Z` times, `floating` for all-day dates). */
  zone: string;
  summary: string;
  description: string;
  location: string | null;
  sequence: number;
  dtstamp: string;
  created: string;
  lastModified: string;
}

function utcIso(time: ICAL.Time): string {
  return new Date(time.toUnixTime() * 1000).toISOString().replace(".000Z", "Z");
}

function instant(event: ICAL.Component, name: string): string {
  const value = event.getFirstPropertyValue(name);
  if (!(value instanceof ICAL.Time)) throw new Error(`\`${name}\` is not a date-time`);
  return utcIso(value);
}

/**
 * Parses a feed with ical.js, with the feed's own VTIMEZONEs registered (and only those) while its events
 * are read: a TZID without a VTIMEZONE would stay unresolved and fail the zone check of the caller.
 */
export function parseWithIcalJs(text: string): ParsedEvent[] {
  const calendar = new ICAL.Component(ICAL.parse(text));
  const zones = calendar.getAllSubcomponents("vtimezone").map((c) => new ICAL.Timezone(c));
  for (const zone of zones) ICAL.TimezoneService.register(zone);
  try {
    return calendar.getAllSubcomponents("vevent").map((vevent) => {
      const event = new ICAL.Event(vevent);
      const start = event.startDate;
      const end = event.endDate;
      const date = (t: ICAL.Time) => t.toString().slice(0, 10);
      const location = vevent.getFirstPropertyValue("location");
      return {
        uid: event.uid,
        start: start.isDate ? date(start) : utcIso(start),
        end: end.isDate ? date(end) : utcIso(end),
        allDay: start.isDate,
        zone: start.isDate ? "floating" : (start.zone?.tzid ?? "floating"),
        summary: event.summary,
        description: event.description,
        location: typeof location === "string" ? location : null,
        sequence: event.sequence,
        dtstamp: instant(vevent, "dtstamp"),
        created: instant(vevent, "created"),
        lastModified: instant(vevent, "last-modified"),
      };
    });
  } finally {
    for (const zone of zones) ICAL.TimezoneService.remove(zone.tzid);
  }
}
