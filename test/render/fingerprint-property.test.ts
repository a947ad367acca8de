/**
 * Property (issue 6): changing any single rendered field of an assignment (date, endDate, start, end, note, shiftId,
 * personId), a person (name) or a shift (name, start, end, location, allDay) moves the fingerprint, the bytes, the
 * ETag, Last-Modified and the SEQUENCE of exactly the events and feeds that show it; every other feed stays byte
 * for byte the same with the same validators. Through the real FeedService on a memory store, snapshot to stored
 * bytes. What each feed shows is modelled here from the snapshot alone (docs/api.md › Feeds).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { personFeedKey, scheduleFeedKey } from "../../src/core/store/keys.ts";
import { validateSnapshot } from "../../src/core/snapshot/validate.ts";
import { vevents, type AssignmentInput, type ShiftInput, type SnapshotInput } from "../support/server.ts";
import { expandSnapshot } from "../../src/core/feeds/events.ts";
import { readState } from "../../src/core/publish/schedule-state.ts";
import { openService, publish, readFeeds } from "../support/service.ts";

const ORG = "Acme Hospital";
const SCHEDULE = "Intensive Care";
const DATES = ["2026-12-01", "2026-12-02", "2026-12-03", "2027-01-05"];
const TIMES = ["00:00", "07:00", "08:00", "19:00", "23:30"];
// Pairs that render alike once control characters are gone, and a separator-looking name (row 5).
const NAMES = ["Ann", "Bob", "Ann\u0002Bob", "A\u0001nn", "Cy\u202E", "Dee, MD; PhD"];
const NOTES = [undefined, "Covering", "Cover\u0002ing", "Line 1\nLine 2", "x\u202E"];
const LOCATIONS = [undefined, "North", "North\u0007", "Room 1, Wing; B"];
const SHIFT_NAMES = ["Day", "Day\u0001", "Night", "Leave"];
const PEOPLE = ["p0", "p1", "p2", "p3"];
const SHIFTS = ["s0", "s1", "s2"];

// ---- what a feed shows, from the snapshot alone -------------------------------------------------------------

// eslint-disable-next-line no-control-regex -- control characters are what a feed never shows
const clean = (text: string) => text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g, "");

/** Everything one event shows in any view (and whose feed it is in), by UID. */
function eventModels(s: SnapshotInput): Map<string, string> {
  const people = new Map(s.people.map((p) => [p.id, p.name]));
  const shifts = new Map(s.shifts.map((x) => [x.id, x]));
  const out = new Map<string, string>();
  for (const a of s.assignments) {
    const shift = shifts.get(a.shiftId)!;
    let when: unknown[];
    let colleagues: string[] = [];
    if (shift.allDay) when = ["all-day", a.date, a.endDate ?? a.date];
    else {
      const start = a.start ?? shift.start!;
      const end = a.end ?? shift.end!;
      when = ["timed", a.date, start, a.endDate ?? (end > start ? a.date : addDays(a.date, 1)), end];
      const crew = [
        ...new Set(
          s.assignments.filter((b) => b.shiftId === a.shiftId && b.date === a.date).map((b) => b.personId),
        ),
      ];
      colleagues = crew
        .filter((id) => id !== a.personId)
        .map((id) => people.get(id)!)
        .sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))
        .map(clean);
    }
    const texts = [people.get(a.personId)!, shift.name, shift.location, a.note, SCHEDULE];
    const shown = [a.personId, ...texts.map((v) => (v === undefined ? null : clean(v))), colleagues, when];
    out.set(`${a.id}@icu.acme.shiftfeed`, JSON.stringify(shown));
  }
  return out;
}

/** Everything each feed shows: its name and its events' models, by feed key. */
function feedModels(s: SnapshotInput, events: Map<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  const uidsOf = (person?: string) =>
    s.assignments
      .filter((a) => person === undefined || a.personId === person)
      .map((a) => `${a.id}@icu.acme.shiftfeed`)
      .sort();
  out.set(scheduleFeedKey("icu"), JSON.stringify([SCHEDULE, uidsOf().map((u) => events.get(u))]));
  for (const p of s.people) {
    out.set(personFeedKey(p.id), JSON.stringify([clean(p.name), uidsOf(p.id).map((u) => events.get(u))]));
  }
  return out;
}

// ---- snapshots and single-field changes ---------------------------------------------------------------------

const shiftArb = (id: string): fc.Arbitrary<ShiftInput> =>
  fc
    .record({
      name: fc.constantFrom(...SHIFT_NAMES),
      allDay: fc.constantFrom(false, false, true),
      start: fc.constantFrom(...TIMES),
      end: fc.constantFrom(...TIMES),
      location: fc.constantFrom(...LOCATIONS),
    })
    .map(({ allDay, start, end, location, name }) => ({
      id,
      name,
      ...(allDay ? { allDay: true } : { start, end }),
      ...(location === undefined ? {} : { location }),
    }));

/** `values`, or (with weight `none` against 1) nothing. */
const sometimes = <T>(values: readonly T[], none: number) =>
  fc.oneof(
    { weight: none, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom(...values) },
  );

const assignmentArb = (id: string): fc.Arbitrary<AssignmentInput> =>
  fc
    .record({
      personId: fc.constantFrom(...PEOPLE),
      shiftId: fc.constantFrom(...SHIFTS),
      date: fc.constantFrom(...DATES),
      endDate: sometimes(["+0", "+1", "+2"], 2),
      start: sometimes(TIMES, 3),
      end: sometimes(TIMES, 3),
      note: sometimes(NOTES, 1),
    })
    .map((a) => {
      const out: AssignmentInput = { id, personId: a.personId, shiftId: a.shiftId, date: a.date };
      for (const key of ["endDate", "start", "end", "note"] as const)
        if (a[key] !== undefined) out[key] = a[key];
      return out;
    });

/** `+N` as the date N days after `date`. */
const relativeDate = (date: string, value: string) =>
  value.startsWith("+") ? addDays(date, Number(value.slice(1))) : value;
const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** A timed assignment's length in minutes (overrides applied; no `endDate`: the default end). */
function minutes(a: AssignmentInput, shift: ShiftInput): number {
  const start = a.start ?? shift.start!;
  const end = a.end ?? shift.end!;
  if (a.endDate === undefined) return 1;
  const days = (Date.parse(a.endDate) - Date.parse(a.date)) / 86_400_000;
  const minute = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3));
  return days * 1440 + minute(end) - minute(start);
}

/** Makes generated assignments valid: no times on all-day shifts, relative end dates resolved, no empty shifts. */
function sanitize(s: SnapshotInput): SnapshotInput {
  const shifts = new Map(s.shifts.map((x) => [x.id, x]));
  for (const a of s.assignments) {
    const shift = shifts.get(a.shiftId)!;
    if (shift.allDay) {
      delete a.start;
      delete a.end;
    }
    if (a.endDate !== undefined) a.endDate = relativeDate(a.date, a.endDate);
    if (!shift.allDay && minutes(a, shift) <= 0) delete a.endDate;
  }
  return s;
}

const snapshotArb: fc.Arbitrary<SnapshotInput> = fc
  .record({
    names: fc.tuple(...PEOPLE.map(() => fc.constantFrom(...NAMES))),
    shifts: fc.tuple(...SHIFTS.map(shiftArb)),
    assignments: fc
      .integer({ min: 1, max: 6 })
      .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => assignmentArb(`a${i}`)))),
  })
  .map(({ names, shifts, assignments }) => ({
    format: "shiftfeed.snapshot/1",
    organization: { id: "acme", name: ORG, tier: "standard" },
    schedule: { id: "icu", name: SCHEDULE, timezone: "America/New_York" },
    revision: 1,
    publishedAt: "2026-11-20T11:00:00Z",
    people: PEOPLE.map((id, i) => ({ id, name: names[i]! })),
    shifts,
    assignments,
  }))
  .map(sanitize);

/** One field of one record set to a value from its pool (`undefined` deletes an optional field). */
interface Change {
  kind: "assignment" | "person" | "shift";
  index: number;
  field: string;
  value: string | undefined;
}

const changeOf = (kind: Change["kind"], count: number, pools: Record<string, (string | undefined)[]>) =>
  fc.constantFrom(...Object.keys(pools)).chain((field) =>
    fc.record<Change>({
      kind: fc.constant(kind),
      index: fc.nat(count - 1),
      field: fc.constant(field),
      value: fc.constantFrom(...pools[field]!),
    }),
  );

// Weighted by how many fields each kind has, so that every field is changed in a run.
const changeArb: fc.Arbitrary<Change> = fc.oneof(
  {
    weight: 7,
    arbitrary: changeOf("assignment", 7, {
      date: DATES,
      endDate: ["+0", "+1", "+2", undefined],
      start: [...TIMES, undefined],
      end: [...TIMES, undefined],
      note: NOTES,
      shiftId: SHIFTS,
      personId: PEOPLE,
    }),
  },
  { weight: 1, arbitrary: changeOf("person", PEOPLE.length, { name: NAMES }) },
  {
    weight: 5,
    arbitrary: changeOf("shift", SHIFTS.length, {
      name: SHIFT_NAMES,
      start: TIMES,
      end: TIMES,
      location: LOCATIONS,
      allDay: ["toggle"],
    }),
  },
);

/** The next revision: `base` with one change (a shift made all-day loses its times, or gains 08:00–16:00). */
function applyChange(base: SnapshotInput, c: Change): SnapshotInput {
  const next = structuredClone(base);
  next.revision = 2;
  const set = (record: Record<string, unknown>, field: string, value: unknown) => {
    if (value === undefined) delete record[field];
    else record[field] = value;
  };
  if (c.kind === "person") next.people[c.index]!.name = c.value!;
  else if (c.kind === "assignment") {
    const a = next.assignments[c.index % next.assignments.length]!;
    set(a as never, c.field, c.field === "endDate" && c.value ? relativeDate(a.date, c.value) : c.value);
  } else {
    const shift = next.shifts[c.index]! as ShiftInput & Record<string, unknown>;
    if (c.field !== "allDay") set(shift, c.field, c.value);
    else if (shift.allDay) Object.assign(shift, { allDay: undefined, start: "08:00", end: "16:00" });
    else Object.assign(shift, { allDay: true, start: undefined, end: undefined });
    for (const key of ["allDay", "start", "end"]) if (shift[key] === undefined) delete shift[key];
  }
  return next;
}

const valid = (s: SnapshotInput) => validateSnapshot(s).ok;

// ---- the property ------------------------------------------------------------------------------------------

interface Seen {
  fps: Map<string, string>;
  feeds: Map<string, { text: string; etag: string; lastModified: number; sequences: Map<string, string> }>;
}

/** Publishes `s` and reads every feed back, with each event's fingerprint. */
async function publishAndRead(t: Awaited<ReturnType<typeof openService>>, s: SnapshotInput): Promise<Seen> {
  await publish(t, s);
  const state = await readState(t.sql, t.service.schedule("acme", "icu")!.stateKey);
  const events = expandSnapshot(state.snapshot);
  const feeds: Seen["feeds"] = new Map();
  for (const [key, feed] of await readFeeds(t, "acme")) {
    const sequences = new Map([...vevents(feed.text)].map(([uid, p]) => [uid, p["SEQUENCE"] ?? "?"]));
    feeds.set(key, { ...feed, sequences });
  }
  return { fps: new Map(events.map((e) => [e.facts.uid, e.fp])), feeds };
}

describe("a single changed field", () => {
  it("moves exactly the fingerprints, bytes, validators and SEQUENCEs of what shows it", async () => {
    await fc.assert(
      fc.asyncProperty(snapshotArb, changeArb, async (base, change) => {
        const next = applyChange(base, change);
        fc.pre(valid(base) && valid(next));
        const t = await openService(Date.parse("2026-11-20T12:00:00Z"));
        const before = await publishAndRead(t, base);
        t.clock.now += 3_600_000;
        const after = await publishAndRead(t, next);

        const [modelBefore, modelAfter] = [eventModels(base), eventModels(next)];
        for (const [uid, model] of modelAfter) {
          const moved = model !== modelBefore.get(uid);
          expect(after.fps.get(uid) !== before.fps.get(uid), `fingerprint of ${uid}`).toBe(moved);
          for (const [key, feed] of after.feeds) {
            if (!feed.sequences.has(uid)) continue;
            expect(feed.sequences.get(uid), `SEQUENCE of ${uid} in ${key}`).toBe(moved ? "1" : "0");
          }
        }
        const [feedsBefore, feedsAfter] = [feedModels(base, modelBefore), feedModels(next, modelAfter)];
        expect([...after.feeds.keys()].sort()).toEqual([...feedsAfter.keys()].sort());
        for (const [key, feed] of after.feeds) {
          const old = before.feeds.get(key)!;
          const moved = feedsAfter.get(key) !== feedsBefore.get(key);
          expect(feed.text !== old.text, `bytes of ${key}`).toBe(moved);
          expect(feed.etag !== old.etag, `ETag of ${key}`).toBe(moved);
          expect(feed.lastModified > old.lastModified, `Last-Modified of ${key}`).toBe(moved);
        }
      }),
      { numRuns: 250 },
    );
  }, 120_000);
});
