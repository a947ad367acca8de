/**
 * What an expanded assignment is (`events.ts` expands a snapshot into them; `event-fingerprint.ts` fingerprints
 * them; the renderers and the feed specs read them), apart from the code that makes them, so each of those can
 * name the shape without depending on the others.
 */
import type { EventTiming } from "./timing.ts";

/**
 * Everything a rendered event says, in either a person's or a schedule's feed. Names, location and note are
 * display text (see `displayText`): exactly what the feed shows, so the fingerprint can cover exactly that.
 */
export interface EventFacts {
  uid: string;
  assignmentId: string;
  scheduleId: string;
  scheduleName: string;
  zone: string;
  personId: string;
  personName: string;
  shiftName: string;
  /** First and last local date the event touches (for the feed window). */
  firstDate: string;
  lastDate: string;
  timing: EventTiming;
  location?: string;
  note?: string;
  /**
   * Display names of the first other people (by name, at most `MAX_LISTED_COLLEAGUES`) on the same shift on the
   * same date. Empty for all-day shifts.
   */
  colleagues: readonly string[];
  /** How many more people are on that shift that day than `colleagues` names. */
  otherColleagues: number;
}

/** An event's facts and their fingerprint (`eventFingerprint`), which moves whenever anything rendered moves. */
export interface ExpandedEvent {
  facts: EventFacts;
  fp: string;
}
