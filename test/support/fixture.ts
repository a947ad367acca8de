/**
 * What every test harness shares, with no runtime dependency (so tests inside workerd import it too): the
 * secrets, the clock's start, small settings, snapshots in the documented format, and a reader of VEVENTs.
 */
import type { Assignment } from "../../src/core/snapshot/types.ts";

/** The admin bearer secret every harness server uses. */
export const ADMIN_TOKEN = "test-admin-secret-0123456789abcdef";
/** The feed-token secret (at least 32 bytes). */
export const FEED_SECRET = "test-feed-secret-0123456789abcdef0123456789";
/** The public base URL feed links are built on; helpers map it onto the live socket. */
export const PUBLIC_URL = "https://feeds.example.org";
/** Default start of the test clock: Friday 2026-11-20 12:00 UTC. */
export const T0 = Date.parse("2026-11-20T12:00:00Z");
export const DAY_MS = 86_400_000;
/** Feed-service settings for tests that build a service themselves: default window, small caches. */
export const SMALL_SETTINGS = {
  pastDays: 14,
  futureDays: 300,
  refreshSeconds: 3600,
  cacheBytes: 1 << 20,
  eventCacheChars: 1 << 20,
};

// ---- snapshots --------------------------------------------------------------------------------------------

export interface PersonInput {
  id: string;
  name: string;
  email?: string;
  phone?: string;
}
export interface ShiftInput {
  id: string;
  name: string;
  start?: string;
  end?: string;
  allDay?: boolean;
  location?: string;
}
export type AssignmentInput = Assignment;
/** A snapshot (`shiftfeed.snapshot/1`, docs/snapshot-format.md), loosely typed so tests can also break it. */
export interface SnapshotInput {
  format: string;
  organization: { id: string; name: string; tier?: string };
  schedule: { id: string; name: string; timezone: string };
  revision?: unknown;
  publishedAt: string;
  people: PersonInput[];
  shifts: ShiftInput[];
  assignments: AssignmentInput[];
}

/**
 * A small valid snapshot: org `acme`, schedule `icu` (America/New_York), people `pA` and `pB`, a day shift and
 * a vacation shift, and three assignments in the week after {@link T0} (A on 11-25 and 11-27, B on 11-26).
 * Top-level fields are replaced by `overrides` as given.
 */
export function makeSnapshot(overrides: Partial<SnapshotInput> = {}): SnapshotInput {
  return {
    format: "shiftfeed.snapshot/1",
    organization: { id: "acme", name: "Acme Hospital", tier: "standard" },
    schedule: { id: "icu", name: "Intensive Care", timezone: "America/New_York" },
    revision: 1,
    publishedAt: "2026-11-20T11:00:00Z",
    people: [
      { id: "pA", name: "Dr. Ada Able", email: "ada@example.org" },
      { id: "pB", name: "Dr. Bo Baker" },
    ],
    shifts: [
      { id: "day", name: "ICU Day", start: "07:00", end: "19:00", location: "North Tower" },
      { id: "night", name: "ICU Night", start: "19:00", end: "07:00" },
      { id: "vac", name: "Vacation", allDay: true },
    ],
    assignments: [
      { id: "a1", personId: "pA", shiftId: "day", date: "2026-11-25" },
      { id: "a2", personId: "pB", shiftId: "night", date: "2026-11-26" },
      { id: "a3", personId: "pA", shiftId: "vac", date: "2026-12-24", endDate: "2026-12-26" },
    ],
    ...overrides,
  };
}

// ---- iCalendar ----------------------------------------------------------------------------------------------

/** The VEVENTs of a feed, each as property name → value (unfolded; parameters dropped), keyed by UID. */
export function vevents(ics: string): Map<string, Record<string, string>> {
  const lines = ics.replace(/\r\n[ \t]/g, "").split("\r\n");
  const out = new Map<string, Record<string, string>>();
  let current: Record<string, string> | null = null;
  for (const l of lines) {
    if (l === "BEGIN:VEVENT") current = {};
    else if (l === "END:VEVENT" && current) {
      out.set(current["UID"] ?? `#${out.size}`, current);
      current = null;
    } else if (current) {
      const colon = l.indexOf(":");
      const name = l.slice(0, colon).split(";")[0] ?? "";
      current[name] = l.slice(colon + 1);
    }
  }
  return out;
}
