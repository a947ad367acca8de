// Independent readers agree on every event's instants: ical.js (with the feed's VTIMEZONEs) and Debian's
// python-icalendar, against hand-written instants (DST cases) and luxon (demo case, unambiguous times only).
import { execFileSync } from "node:child_process";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { PYTHON, skipWithout } from "../support/parsers.ts";
import type { Snapshot } from "../../src/core/snapshot/types.ts";
import {
  GOLDEN_DIR,
  parseWithIcalJs,
  readGolden,
  readSnapshot,
  ROOT,
  type ParsedEvent,
} from "../support/render-cases.ts";

type Expected = Record<string, readonly [start: string, end: string]>;

/** Hand-computed from shiftfeed's time rules (gap → forward by the gap, ambiguous → earlier offset). */
const NEW_YORK: Expected = {
  // 02:30 does not exist on 2027-03-14 → 03:30 EDT.
  "ny-gap-start": ["2027-03-14T07:30:00Z", "2027-03-14T14:30:00Z"],
  "ny-day-control": ["2027-03-15T11:00:00Z", "2027-03-15T23:00:00Z"],
  // 19:00 EST → 07:00 EDT: 11 h.
  "ny-night-spring": ["2027-03-14T00:00:00Z", "2027-03-14T11:00:00Z"],
  // 19:00 EDT → 07:00 EST: 13 h.
  "ny-night-fall": ["2027-11-06T23:00:00Z", "2027-11-07T12:00:00Z"],
  // 01:30 happens twice on 2027-11-07 → the EDT one.
  "ny-ambiguous-start": ["2027-11-07T05:30:00Z", "2027-11-07T14:30:00Z"],
  // 07:00 → 07:00 across the changes: 23 h and 25 h.
  "ny-call-spring": ["2027-03-13T12:00:00Z", "2027-03-14T11:00:00Z"],
  "ny-call-fall": ["2027-11-06T11:00:00Z", "2027-11-07T12:00:00Z"],
  // Ends at 02:30 in the gap → 03:30 EDT; ends at 01:30 in the overlap → 01:30 EDT.
  "ny-gap-end": ["2027-03-13T23:00:00Z", "2027-03-14T07:30:00Z"],
  "ny-ambiguous-end": ["2027-11-06T21:00:00Z", "2027-11-07T05:30:00Z"],
  "ny-leave-one-day": ["2027-03-20", "2027-03-21"],
  "ny-leave-multi": ["2027-11-08", "2027-11-13"],
};

const SOUTHERN: Expected = {
  // Lord Howe: +11 → +10:30 at 02:00 on 2027-04-04 (01:30–02:00 twice); +10:30 → +11 at 02:00 on 2027-10-03.
  "lh-ambiguous": ["2027-04-03T14:45:00Z", "2027-04-03T22:30:00Z"],
  "lh-night-april": ["2027-04-03T08:00:00Z", "2027-04-03T20:30:00Z"],
  "lh-gap": ["2027-10-02T15:45:00Z", "2027-10-02T22:00:00Z"],
  "lh-night-october": ["2027-10-02T08:30:00Z", "2027-10-02T20:00:00Z"],
  // Chatham: +13:45 → +12:45 at 03:45 on 2027-04-04; +12:45 → +13:45 at 02:45 on 2027-09-26.
  "ch-ambiguous": ["2027-04-03T13:15:00Z", "2027-04-03T22:15:00Z"],
  "ch-gap": ["2027-09-25T14:15:00Z", "2027-09-25T21:15:00Z"],
  // Kathmandu: +05:45 all year.
  "ktm-night": ["2027-04-03T13:15:00Z", "2027-04-04T01:15:00Z"],
  "ktm-day": ["2027-10-03T01:15:00Z", "2027-10-03T13:15:00Z"],
  // Dublin: +0 → +1 at 01:00 on 2027-03-28; +1 → +0 at 02:00 on 2027-10-31.
  "dub-gap": ["2027-03-28T01:30:00Z", "2027-03-28T08:00:00Z"],
  "dub-ambiguous": ["2027-10-31T00:30:00Z", "2027-10-31T09:00:00Z"],
  "dub-night-fall": ["2027-10-30T19:00:00Z", "2027-10-31T08:00:00Z"],
  // Sydney: +11 → +10 at 03:00 on 2027-04-04; +10 → +11 at 02:00 on 2027-10-03.
  "syd-ambiguous": ["2027-04-03T15:30:00Z", "2027-04-04T00:30:00Z"],
  "syd-gap": ["2027-10-02T16:30:00Z", "2027-10-02T23:30:00Z"],
  "syd-call-april": ["2027-04-02T20:00:00Z", "2027-04-03T21:00:00Z"],
};

const HAND_WRITTEN: [caseName: string, expected: Expected][] = [
  ["dst-new-york", NEW_YORK],
  ["dst-southern-and-odd", SOUTHERN],
];

const decoder = new TextDecoder();
const assignmentId = (uid: string) => uid.slice(0, uid.indexOf("@"));

/** Every event of every golden feed of a case, as ical.js reads it, by feed name. */
function icalJsEvents(caseName: string): Map<string, ParsedEvent[]> {
  const out = new Map<string, ParsedEvent[]>();
  for (const [name, bytes] of readGolden(caseName)) out.set(name, parseWithIcalJs(decoder.decode(bytes)));
  return out;
}

/**
 * The demo fixtures' instants computed with luxon, independently of src/core/time: `null` for wall times luxon
 * reports as a gap or an overlap (those are the hand-written DST cases' business).
 */
function luxonExpectations(): Map<string, readonly [string, string] | null> {
  const out = new Map<string, readonly [string, string] | null>();
  const files = [
    "lakeside--anaesthesia",
    "stmarys--cardiology",
    "stmarys--emergency",
    "stmarys--hospitalists",
  ];
  for (const file of files) {
    const snapshot: Snapshot = readSnapshot(`fixtures/demo/${file}.json`);
    const zone = snapshot.schedule.timezone;
    const shifts = new Map(snapshot.shifts.map((s) => [s.id, s]));
    const at = (date: string, time: string) => {
      const dt = DateTime.fromISO(`${date}T${time}`, { zone });
      const clean = dt.isValid && dt.toFormat("yyyy-MM-dd'T'HH:mm") === `${date}T${time}`;
      return clean && dt.getPossibleOffsets().length === 1
        ? dt.toUTC().toISO({ suppressMilliseconds: true })
        : null;
    };
    for (const a of snapshot.assignments) {
      const shift = shifts.get(a.shiftId)!;
      const uid = `${a.id}@${snapshot.schedule.id}.${snapshot.organization.id}.shiftfeed`;
      if (shift.allDay) {
        const last = DateTime.fromISO(a.endDate ?? a.date, { zone: "utc" });
        out.set(uid, [a.date, last.plus({ days: 1 }).toISODate()!]);
        continue;
      }
      const start = a.start ?? shift.start;
      const end = a.end ?? shift.end;
      const endDate =
        a.endDate ??
        (end > start ? a.date : DateTime.fromISO(a.date, { zone: "utc" }).plus({ days: 1 }).toISODate()!);
      const s = at(a.date, start);
      const e = at(endDate, end);
      out.set(uid, s && e ? [s.replace("+00:00", "Z"), e.replace("+00:00", "Z")] : null);
    }
  }
  return out;
}

describe("ical.js", () => {
  it.each(HAND_WRITTEN)(
    "%s: every event in every feed starts and ends at the hand-written instants",
    (caseName, expected) => {
      const feeds = icalJsEvents(caseName);
      expect(feeds.size).toBeGreaterThan(0);
      const seen = new Set<string>();
      for (const [name, events] of feeds) {
        for (const e of events) {
          const id = assignmentId(e.uid);
          seen.add(id);
          expect([name, id, e.start, e.end]).toEqual([name, id, ...(expected[id] ?? ["?", "?"])]);
          // A timed event resolves through a registered VTIMEZONE or UTC, never floating.
          if (!e.allDay) expect(e.zone, `${name} ${id}`).not.toBe("floating");
        }
      }
      expect([...seen].sort()).toEqual(Object.keys(expected).sort());
    },
  );

  it("demo: every event matches luxon's reading of the fixture (unambiguous wall times)", () => {
    const expected = luxonExpectations();
    let checked = 0;
    let skipped = 0;
    const seen = new Set<string>();
    for (const [name, events] of icalJsEvents("demo")) {
      for (const e of events) {
        seen.add(e.uid);
        const want = expected.get(e.uid);
        expect(want, `${name}: unexpected ${e.uid}`).not.toBeUndefined();
        if (want === null) {
          skipped++;
          continue;
        }
        if (!e.allDay) expect(e.zone, `${name} ${e.uid}`).not.toBe("floating");
        expect([name, e.uid, e.start, e.end]).toEqual([name, e.uid, ...want!]);
        checked++;
      }
    }
    // The window (2026-11-06 … 2027-09-16) holds every demo assignment.
    expect(seen.size).toBe(expected.size);
    expect(checked).toBeGreaterThan(4000);
    expect(skipped).toBe(0);
  });
});

const pythonIcalendarMissing = skipWithout("the python-icalendar golden-file checks", ["pythonIcalendar"]);

interface PythonEvent {
  uid: string;
  start_utc: string;
  end_utc: string;
  start_vtz: string;
  end_vtz: string;
  summary: string;
}

/** Runs read_feed.py over every golden feed of a case. */
function pythonEvents(caseName: string): Map<string, PythonEvent[]> {
  const names = [...readGolden(caseName).keys()];
  const files = names.map((n) => `${GOLDEN_DIR}${caseName}/${n}`);
  const out = execFileSync(PYTHON, [`${ROOT}test/render/python/read_feed.py`, ...files], {
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  const parsed = JSON.parse(out) as Record<string, PythonEvent[]>;
  return new Map(names.map((n, i) => [n, parsed[files[i]!]!]));
}

describe.skipIf(pythonIcalendarMissing)(
  "python-icalendar (Debian python3-icalendar, /usr/bin/python3)",
  () => {
    it.each(HAND_WRITTEN)(
      "%s: TZID (pytz) and VTIMEZONE (to_tz) readings both give the hand-written instants",
      (caseName, expected) => {
        const seen = new Set<string>();
        for (const [name, events] of pythonEvents(caseName)) {
          for (const e of events) {
            const id = assignmentId(e.uid);
            seen.add(id);
            const want = expected[id] ?? ["?", "?"];
            expect([name, id, e.start_utc, e.end_utc]).toEqual([name, id, ...want]);
            expect([name, id, e.start_vtz, e.end_vtz]).toEqual([name, id, ...want]);
          }
        }
        expect([...seen].sort()).toEqual(Object.keys(expected).sort());
      },
    );

    it.each(["demo", "hostile-text", "revisions"])(
      "%s: agrees with ical.js on every UID, instant and summary",
      (caseName) => {
        const js = icalJsEvents(caseName);
        const py = pythonEvents(caseName);
        expect([...py.keys()]).toEqual([...js.keys()]);
        for (const [name, events] of py) {
          const mine = js.get(name)!.map((e) => [e.uid, e.start, e.end, e.start, e.end, e.summary]);
          const theirs = events.map((e) => [
            e.uid,
            e.start_utc,
            e.end_utc,
            e.start_vtz,
            e.end_vtz,
            e.summary,
          ]);
          expect(theirs, name).toEqual(mine);
        }
      },
    );
  },
);
