// Every person and schedule feed of the golden cases (demo, DST, hostile text, time-zone matrix), served by the real Node server over HTTP,
// read by ical.js, python-icalendar, libical and a vdirsyncer subscription: each reader must see exactly the
// oracle's events (test/conformance/oracle.py, Python zoneinfo) at the oracle's instants.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  differences,
  mapLimit,
  readWithIcalJs,
  readWithLibical,
  readWithPythonIcalendar,
  skipWithout,
  type ReadEvent,
  type Reader,
  type ServedFeed,
  serveFixtures,
  type Tool,
} from "../support/parsers.ts";
import { RENDER_CASES } from "../support/render-cases.ts";
import { startHarness, type Harness } from "../support/server.ts";
import { matchToFeed, subscribe } from "../support/vdirsyncer.ts";

interface FixtureSet {
  name: string;
  now: string;
  files: string[];
}

/**
 * Every golden case published in one step — the demo, the DST cases, hostile text and the time-zone matrix — is
 * served and read at its clock. (The two-revision case is `revisions.test.ts`.) vdirsyncer costs two processes
 * per feed (discover, sync): measured on this 2-core machine, 3 in flight, every demo feed (47) takes ~28 s and
 * every matrix feed (41) ~17 s, so every feed of every set is synced.
 */
const SETS: FixtureSet[] = RENDER_CASES.filter((c) => new Set(c.steps.map((s) => s.at)).size === 1).map(
  (c) => ({
    name: c.name,
    now: c.readAt,
    files: c.steps.map((s) => s.file),
  }),
);

const READERS: [name: string, tools: Tool[], read: Reader][] = [
  ["ical.js (feed VTIMEZONEs)", ["python3"], readWithIcalJs],
  ["python-icalendar (VTIMEZONE via to_tz)", ["python3", "pythonIcalendar"], readWithPythonIcalendar],
  ["libical (GObject, feed VTIMEZONEs)", ["python3", "libical"], readWithLibical],
];

const oracleMissing = skipWithout("the conformance instants (the oracle needs Debian's python3)", [
  "python3",
]);

describe.skipIf(oracleMissing).each(SETS)("$name fixtures at $now, served over HTTP", (set) => {
  let harness: Harness;
  let feeds: ServedFeed[] = [];

  beforeAll(async () => {
    harness = await startHarness({ now: Date.parse(set.now) });
    feeds = await serveFixtures(harness, set.files, set.now);
  }, 120_000);
  afterAll(() => harness?.close());

  it("the oracle's view: person feeds hold exactly the person's events, schedule feeds everyone's", () => {
    expect(set.files.length).toBeGreaterThan(0);
    const schedules = feeds.filter((f) => f.kind === "schedule");
    expect(schedules).toHaveLength(set.files.length);
    // Every event of the set sits in exactly one schedule feed and exactly one person feed.
    const inSchedules = schedules.flatMap((f) => f.expected.map((e) => e.uid));
    const inPersons = feeds.filter((f) => f.kind === "person").flatMap((f) => f.expected.map((e) => e.uid));
    expect(new Set(inSchedules).size).toBe(inSchedules.length);
    expect([...inPersons].sort()).toEqual([...inSchedules].sort());
    expect(inSchedules.length).toBeGreaterThan(set.name === "demo" ? 2000 : 5);
    for (const f of feeds) {
      const owners = new Set(f.expected.map((e) => (f.kind === "person" ? e.person : e.schedule)));
      expect(
        [...owners].filter((o) => o !== f.id),
        f.name,
      ).toEqual([]);
    }
  });

  for (const [reader, tools, read] of READERS) {
    const skip = skipWithout(`${reader} over the ${set.name} feeds`, tools);
    it.skipIf(skip)(
      `${reader} reads every feed with exactly the oracle's events and instants`,
      async () => {
        const results = await mapLimit(feeds, 4, async (f) =>
          differences(f.name, await read(f.text), f.expected),
        );
        expect(results.flat()).toEqual([]);
        const events = feeds.reduce((n, f) => n + f.expected.length, 0);
        console.info(
          `${set.name}: ${reader} agreed with the oracle on ${feeds.length} feeds, ${events} events`,
        );
      },
      180_000,
    );
  }

  const vdirSkip = skipWithout(`vdirsyncer over the ${set.name} feeds`, ["python3", "vdirsyncer"]);
  it.skipIf(vdirSkip)(
    `vdirsyncer subscribed to every feed: its synced items, read by ical.js, hold exactly the oracle's events`,
    async () => {
      const chosen = feeds;
      expect(chosen.length).toBeGreaterThan(0);
      const started = Date.now();
      const results = await mapLimit(chosen, 3, async (f) => {
        const sub = await subscribe(f.url);
        try {
          const items = await sub.sync();
          const matched = matchToFeed(items, f.text);
          const problems = [
            ...matched.malformedItems.map((m) => `${f.name}: local item ${m}`),
            ...matched.unmatchedItems.map((m) => `${f.name}: local item matches no feed VEVENT: ${m}`),
            ...matched.missingUids.map((u) => `${f.name}: no local item for ${u}`),
          ];
          const read: ReadEvent[] = [];
          for (const [file, text] of items) {
            const uid = matched.uidOfItem.get(file);
            if (uid === undefined) continue;
            for (const e of await readWithIcalJs(text)) read.push({ ...e, uid });
          }
          return [...problems, ...differences(`${f.name} (vdirsyncer)`, read, f.expected)];
        } finally {
          await sub.close();
        }
      });
      expect(results.flat()).toEqual([]);
      const events = chosen.reduce((n, f) => n + f.expected.length, 0);
      console.info(
        `${set.name}: vdirsyncer agreed with the oracle on ${chosen.length} feeds, ${events} events ` +
          `(${((Date.now() - started) / 1000).toFixed(1)} s)`,
      );
    },
    300_000,
  );
});
