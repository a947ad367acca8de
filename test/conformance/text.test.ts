// The hostile-text render case served by the real Node server: every reader (ical.js, python-icalendar, libical and a
// vdirsyncer subscription read back with ical.js) gets SUMMARY, DESCRIPTION and LOCATION back as the snapshot's text
// minus control characters, and no text smuggles in a component.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  mapLimit,
  readWithIcalJs,
  readWithLibical,
  readWithPythonIcalendar,
  type ReadEvent,
  type Reader,
  type ServedFeed,
  serveFixtures,
  skipWithout,
  type Tool,
} from "../support/parsers.ts";
import { renderCaseNamed, ROOT } from "../support/render-cases.ts";
import { startHarness, type Harness, type SnapshotInput } from "../support/server.ts";
import { matchToFeed, subscribe, unfold } from "../support/vdirsyncer.ts";

const CASE = renderCaseNamed("hostile-text");
const FILES = CASE.steps.map((s) => s.file);
const snapshot = JSON.parse(readFileSync(`${ROOT}${FILES[0]}`, "utf8")) as SnapshotInput;

/**
 * The input text as a client must read it back: CR and CRLF become LF, control characters are gone (C0 except TAB and
 * LF, DEL, C1). TAB stays: RFC 5545 §3.1 allows HTAB in values.
 */
// eslint-disable-next-line no-control-regex -- control characters are what this removes
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
const clean = (text: string) => text.replace(/\r\n?/g, "\n").replace(CONTROL, "");

interface Text {
  summary: string;
  description: string;
  location: string | null;
}

/**
 * What each feed's events must say, from the snapshot alone, per docs/api.md › Feeds: SUMMARY = shift name (schedule feeds:
 * "shift: person"); LOCATION = shift location; DESCRIPTION = "Schedule: …", "Who: …" (schedule feeds), "With: …"
 * (others on the same timed shift that day, by name), "Note: …", one per line.
 */
function expectedText(view: "person" | "schedule"): Map<string, Text> {
  const people = new Map(snapshot.people.map((p) => [p.id, p.name]));
  const shifts = new Map(snapshot.shifts.map((s) => [s.id, s]));
  const out = new Map<string, Text>();
  for (const a of snapshot.assignments) {
    const shift = shifts.get(a.shiftId)!;
    const person = people.get(a.personId)!;
    const colleagues = shift.allDay
      ? []
      : [
          ...new Set(
            snapshot.assignments
              .filter((b) => b.shiftId === a.shiftId && b.date === a.date && b.personId !== a.personId)
              .map((b) => b.personId),
          ),
        ]
          .map((id) => people.get(id)!)
          .sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    const lines = [`Schedule: ${snapshot.schedule.name}`];
    if (view === "schedule") lines.push(`Who: ${person}`);
    if (colleagues.length > 0) lines.push(`With: ${colleagues.join(", ")}`);
    if (a.note !== undefined) lines.push(`Note: ${a.note}`);
    out.set(`${a.id}@${snapshot.schedule.id}.${snapshot.organization.id}.shiftfeed`, {
      summary: clean(view === "schedule" ? `${shift.name}: ${person}` : shift.name),
      description: clean(lines.join("\n")),
      location: shift.location === undefined ? null : clean(shift.location),
    });
  }
  return out;
}

/** The UIDs a feed must hold: everyone's in the schedule feed, the person's own in a person feed. */
function uidsOf(feed: ServedFeed): string[] {
  return snapshot.assignments
    .filter((a) => feed.kind === "schedule" || a.personId === feed.id)
    .map((a) => `${a.id}@${snapshot.schedule.id}.${snapshot.organization.id}.shiftfeed`)
    .sort();
}

const READERS: [name: string, tools: Tool[], read: Reader][] = [
  ["ical.js", [], readWithIcalJs],
  ["python-icalendar", ["python3", "pythonIcalendar"], readWithPythonIcalendar],
  ["libical", ["python3", "libical"], readWithLibical],
];

describe("hostile-text served over HTTP", () => {
  let harness: Harness;
  let feeds: ServedFeed[] = [];
  beforeAll(async () => {
    harness = await startHarness({ now: Date.parse(CASE.readAt) });
    feeds = await serveFixtures(harness, FILES, CASE.readAt, false);
  }, 60_000);
  afterAll(() => harness?.close());

  /** Checks one reader's events of one feed; returns readable differences. */
  function check(feed: ServedFeed, events: readonly ReadEvent[]): string[] {
    const want = expectedText(feed.kind);
    const problems: string[] = [];
    const uids = events.map((e) => e.uid).sort();
    if (JSON.stringify(uids) !== JSON.stringify(uidsOf(feed)))
      problems.push(`${feed.name}: UIDs ${JSON.stringify(uids)}, want ${JSON.stringify(uidsOf(feed))}`);
    for (const e of events) {
      const w = want.get(e.uid);
      if (!w) continue;
      for (const key of ["summary", "description", "location"] as const) {
        if (e[key] !== w[key])
          problems.push(
            `${feed.name} ${e.uid} ${key}: read ${JSON.stringify(e[key])}, want ${JSON.stringify(w[key])}`,
          );
      }
    }
    return problems;
  }

  it("serves the schedule feed and every person's feed, each with one VEVENT per assignment and nothing injected", () => {
    expect(feeds.map((f) => f.name)).toEqual([
      "hostile--person-h1",
      "hostile--person-h2",
      "hostile--person-h3",
      "hostile--person-h4",
      "hostile--person-h5",
      "hostile--schedule-ward",
    ]);
    for (const f of feeds) {
      const lines = unfold(f.text);
      const count = (line: string) => lines.filter((l) => l === line).length;
      expect([f.name, count("BEGIN:VEVENT"), count("END:VEVENT")]).toEqual([
        f.name,
        uidsOf(f).length,
        uidsOf(f).length,
      ]);
      expect([f.name, count("BEGIN:VCALENDAR"), count("END:VCALENDAR")]).toEqual([f.name, 1, 1]);
      // Every component line the feed has is one the renderer writes; no text line starts a component.
      const components = new Set(lines.filter((l) => /^(BEGIN|END):/.test(l)));
      expect([...components].sort(), f.name).toEqual(
        [
          "BEGIN:DAYLIGHT",
          "BEGIN:STANDARD",
          "BEGIN:VCALENDAR",
          "BEGIN:VEVENT",
          "BEGIN:VTIMEZONE",
          "END:DAYLIGHT",
          "END:STANDARD",
          "END:VCALENDAR",
          "END:VEVENT",
          "END:VTIMEZONE",
        ].filter((l) => lines.includes(l)),
      );
      expect(
        lines.filter((l) => /^(UID|X-INJECTED|SUMMARY:injected)/.test(l) && !l.endsWith(".shiftfeed")),
      ).toEqual([]);
    }
  });

  for (const [reader, tools, read] of READERS) {
    const skip = tools.length > 0 && skipWithout(`the ${reader} hostile-text checks`, tools);
    it.skipIf(skip)(`${reader} reads SUMMARY, DESCRIPTION and LOCATION back as the input text`, async () => {
      const problems = await mapLimit(feeds, 3, async (f) => check(f, await read(f.text)));
      expect(problems.flat()).toEqual([]);
    });
  }

  const vdirSkip = skipWithout("the vdirsyncer hostile-text checks", ["python3", "vdirsyncer"]);
  it.skipIf(vdirSkip)(
    "vdirsyncer syncs every feed; ical.js reads the synced items' text back as the input",
    async () => {
      const problems = await mapLimit(feeds, 3, async (f) => {
        const sub = await subscribe(f.url);
        try {
          const items = await sub.sync();
          const matched = matchToFeed(items, f.text);
          const events: ReadEvent[] = [];
          for (const [file, text] of items) {
            const uid = matched.uidOfItem.get(file);
            if (uid !== undefined) for (const e of await readWithIcalJs(text)) events.push({ ...e, uid });
          }
          return [
            ...matched.malformedItems,
            ...matched.unmatchedItems,
            ...matched.missingUids.map((u) => `${f.name}: no local item for ${u}`),
            ...check(f, events),
          ];
        } finally {
          await sub.close();
        }
      });
      expect(problems.flat()).toEqual([]);
    },
  );
});
