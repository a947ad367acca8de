/**
 * The format name and the numeric limits of a `shiftfeed.snapshot/1` document (docs/snapshot-format.md),
 * shared by the field checks, the zod schema and the cross-record rules.
 */

/** The only format this validator accepts. */
export const SNAPSHOT_FORMAT = "shiftfeed.snapshot/1";

/** Limits enforced by validation. Lengths count Unicode code points, not UTF-16 units or bytes. */
export const SNAPSHOT_LIMITS = {
  /** Longest id (organization, schedule, person, shift, assignment), in characters of `A-Za-z0-9._-`. */
  maxIdLength: 64,
  /** Longest name (organization, schedule, person, shift); names must also contain a visible character. */
  maxNameLength: 200,
  /** Longest `email`, `phone` or `location`. */
  maxContactLength: 320,
  /** Longest assignment `note` (16 KiB of characters). */
  maxNoteLength: 16_384,
  /** Most people in one snapshot. */
  maxPeople: 100_000,
  /** Most shift definitions in one snapshot. */
  maxShifts: 1_000,
  /** Most assignments in one snapshot. */
  maxAssignments: 500_000,
  /** Earliest and latest calendar date an assignment may use (inclusive). */
  minDate: "2000-01-01",
  maxDate: "2099-12-31",
  /** Longest all-day assignment, in days counting both `date` and `endDate`. */
  maxAllDaySpanDays: 366,
  /** Longest timed assignment, in minutes of wall-clock time (7 days). */
  maxTimedMinutes: 7 * 24 * 60,
  /** Deepest nesting of arrays and objects in a body (a snapshot uses 3); deeper bodies are not parsed. */
  maxNesting: 64,
  /** Most problems listed in one result; the rest are summarised in one final detail. */
  maxDetails: 1_000,
} as const;
