/**
 * The schedule snapshot (`shiftfeed.snapshot/1`) as typed values, after validation.
 * See docs/snapshot-format.md. Everything inside the core trusts these types.
 */

/** `YYYY-MM-DD`, a calendar date in the schedule's time zone. */
export type LocalDate = string;
/** `HH:MM`, a wall-clock time in the schedule's time zone, 00:00–23:59. */
export type LocalTime = string;

export type Tier = "enterprise" | "standard";

export interface Organization {
  id: string;
  name: string;
  /** Defaults to `standard` when the snapshot omits it. */
  tier: Tier;
}

export interface ScheduleInfo {
  id: string;
  name: string;
  /** A canonical IANA zone name, e.g. `America/New_York`. */
  timezone: string;
}

export interface Person {
  id: string;
  name: string;
  email?: string;
  phone?: string;
}

/** A timed shift has `start` and `end`; an all-day shift has neither. */
export type Shift =
  | { id: string; name: string; allDay: false; start: LocalTime; end: LocalTime; location?: string }
  | { id: string; name: string; allDay: true; location?: string };

export interface Assignment {
  id: string;
  personId: string;
  shiftId: string;
  date: LocalDate;
  /** Inclusive last day. All-day: the last day of leave. Timed: the day the shift ends. */
  endDate?: LocalDate;
  /** Overrides of the shift's times (timed shifts only). */
  start?: LocalTime;
  end?: LocalTime;
  note?: string;
}

export interface Snapshot {
  format: "shiftfeed.snapshot/1";
  organization: Organization;
  schedule: ScheduleInfo;
  /** A positive safe integer that strictly increases per schedule. */
  revision: number;
  /** RFC 3339 instant, as sent. */
  publishedAt: string;
  people: Person[];
  shifts: Shift[];
  assignments: Assignment[];
}
