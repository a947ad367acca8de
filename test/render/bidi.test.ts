// Regression (issue 6, row 15): a name ending in an unclosed RIGHT-TO-LEFT OVERRIDE spilled over the organization's
// name in `Ann<U+202E> · St. Mary's Health`. Every user string with explicit bidi formatting is now isolated (FSI … PDI)
// wherever a value is composed: calendar names, schedule-feed summaries, and the description's lines. Read back
// with ical.js, and laid out with GNU FriBidi (a UAX #9 implementation) where it is installed.
import { spawnSync } from "node:child_process";
import ICAL from "ical.js";
import { beforeAll, describe, expect, it } from "vitest";
import { isolateBidi } from "../../src/core/ical/bidi.ts";
import { personFeedKey, scheduleFeedKey } from "../../src/core/store/keys.ts";
import { PYTHON, run } from "../support/parsers.ts";
import { ROOT } from "../support/render-cases.ts";
import { makeSnapshot } from "../support/server.ts";
import { openService, publish, readFeeds, type ReadFeed } from "../support/service.ts";

const RLO = "\u202E";
const FSI = "\u2068";
const PDI = "\u2069";
const ORG = "St. Mary's Health";
const ANN = `Ann${RLO}`;
const isolated = (s: string) => `${FSI}${s}${PDI}`;

/** Calendar name and each event's SUMMARY and DESCRIPTION, as ical.js reads them. */
function read(feed: ReadFeed) {
  const calendar = new ICAL.Component(ICAL.parse(feed.text));
  const events = calendar.getAllSubcomponents("vevent").map((v) => new ICAL.Event(v));
  return {
    name: String(calendar.getFirstPropertyValue("x-wr-calname")),
    events: new Map(
      events.map((e) => [e.uid.split("@")[0]!, { summary: e.summary, description: e.description }]),
    ),
  };
}

describe("a name with an unclosed right-to-left override", () => {
  let feeds: Map<string, ReadFeed>;
  beforeAll(async () => {
    const t = await openService(Date.parse("2026-11-20T12:00:00Z"));
    await publish(
      t,
      makeSnapshot({
        organization: { id: "acme", name: ORG, tier: "standard" },
        schedule: { id: "icu", name: `ICU${RLO}`, timezone: "America/New_York" },
        people: [
          { id: "pA", name: ANN },
          { id: "pB", name: "Bob" },
          { id: "pC", name: `\u202BCy` },
        ],
        shifts: [{ id: "day", name: `Day${RLO}`, start: "07:00", end: "19:00", location: `Room${RLO} 4` }],
        assignments: [
          {
            id: "a1",
            personId: "pA",
            shiftId: "day",
            date: "2026-11-25",
            note: `Bring${RLO} badge\nsecond line`,
          },
          { id: "b1", personId: "pB", shiftId: "day", date: "2026-11-25" },
          { id: "c1", personId: "pC", shiftId: "day", date: "2026-11-25" },
        ],
      }),
    );
    feeds = await readFeeds(t, "acme");
  });

  it("isolates the person's name from the organization's in the calendar name", () => {
    expect(read(feeds.get(personFeedKey("pA"))!).name).toBe(`${isolated(ANN)} · ${ORG}`);
    expect(read(feeds.get(personFeedKey("pB"))!).name).toBe(`Bob · ${ORG}`);
    expect(read(feeds.get(scheduleFeedKey("icu"))!).name).toBe(`${isolated(`ICU${RLO}`)} · ${ORG}`);
  });

  it("isolates every user string in SUMMARY and DESCRIPTION, and nothing else", () => {
    const schedule = read(feeds.get(scheduleFeedKey("icu"))!).events;
    expect(schedule.get("a1")).toEqual({
      summary: `${isolated(`Day${RLO}`)}: ${isolated(ANN)}`,
      description: [
        `Schedule: ${isolated(`ICU${RLO}`)}`,
        `Who: ${isolated(ANN)}`,
        `With: Bob, ${isolated("\u202BCy")}`,
        `Note: ${isolated(`Bring${RLO} badge`)}\nsecond line`,
      ].join("\n"),
    });
    expect(schedule.get("b1")?.summary).toBe(`${isolated(`Day${RLO}`)}: Bob`);
    const bob = read(feeds.get(personFeedKey("pB"))!).events.get("b1");
    expect(bob?.description).toBe(
      `Schedule: ${isolated(`ICU${RLO}`)}\nWith: ${isolated(ANN)}, ${isolated("\u202BCy")}`,
    );
  });
});

// ---- laid out by a real UAX #9 implementation ------------------------------------------------------------------

const fribidi =
  spawnSync(PYTHON, ["-c", 'import ctypes; ctypes.CDLL("libfribidi.so.0")'], { stdio: "ignore" }).status ===
  0;
if (!fribidi) console.warn("skipping the FriBidi layout check: Debian package libfribidi0 is not installed");

describe.skipIf(!fribidi)("laid out by GNU FriBidi", () => {
  const HOSTILE = [
    ANN,
    `${RLO}Ann`,
    `Ann\u202B`,
    `Ann\u202D`,
    `${PDI}${RLO}Ann`,
    `\u2067${RLO}Ann`,
    `A${FSI}B${PDI}${PDI}${RLO}C`,
    `${RLO}`.repeat(130) + "Ann",
    "\u2067".repeat(130) + `${RLO}Ann`,
    "Ann\u200F",
    "ليلى\u200F",
  ];

  it("keeps ` · St. Mary's Health` in reading order after every hostile name once isolated", async () => {
    const lines = HOSTILE.map((name) => `${isolateBidi(name)} · ${ORG}`);
    const visual = JSON.parse(
      await run(PYTHON, [`${ROOT}test/render/python/bidi_visual.py`], JSON.stringify(lines)),
    ) as string[];
    for (const [i, line] of visual.entries())
      expect(line.endsWith(` · ${ORG}`), JSON.stringify(HOSTILE[i])).toBe(true);
  });

  it("(the check itself) sees the spill when a name is not isolated", async () => {
    const visual = JSON.parse(
      await run(PYTHON, [`${ROOT}test/render/python/bidi_visual.py`], JSON.stringify([`${ANN} · ${ORG}`])),
    ) as string[];
    expect(visual[0]!.endsWith(` · ${ORG}`)).toBe(false);
  });
});
