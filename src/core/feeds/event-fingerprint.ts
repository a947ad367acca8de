/**
 * The fingerprint of an event: an unambiguous encoding of exactly the values its VEVENT shows, in either view,
 * plus the person whose feed holds it. It is the rendered-event cache key and what the change history compares,
 * so SEQUENCE and LAST-MODIFIED move exactly when rendered content moves.
 */
import type { EventFacts } from "./event-facts.ts";
import { writtenInUtc } from "./timing.ts";
import { fingerprintFields, type Field } from "./fingerprint.ts";

/** How the event's DTSTART/DTEND are written: dates, UTC instants, or wall times in a zone. */
function whenFields(f: EventFacts): Field[] {
  const t = f.timing;
  if (t.allDay) return ["date", t.startDate, t.endDateExclusive];
  if (writtenInUtc(t)) return ["utc", t.start.epochMs, t.end.epochMs];
  return ["zoned", f.zone, t.start.local, t.end.local];
}

/**
 * 14 hex characters that change whenever anything rendered about the event changes. `assignmentId` and
 * `scheduleId` are covered by `uid`; `firstDate` and `lastDate` follow from the timing.
 */
export function eventFingerprint(f: EventFacts): string {
  return fingerprintFields([
    f.uid,
    f.personId,
    f.scheduleName,
    f.personName,
    f.shiftName,
    f.location,
    f.note,
    f.colleagues,
    f.otherColleagues,
    ...whenFields(f),
  ]);
}
