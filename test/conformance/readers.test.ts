// The readers themselves: each one resolves TZIDs through the feed's OWN VTIMEZONE (a deliberately wrong VTIMEZONE
// moves the instants it reports; a renamed zone unknown to any database reads the same), and the skip logic
// names the missing Debian packages.
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  availability,
  LIBICAL_READER,
  readWithIcalJs,
  readWithLibical,
  readWithPythonIcalendar,
  skipMessage,
  skipWithout,
  type Reader,
  type Tool,
} from "../support/parsers.ts";
import { GOLDEN_DIR } from "../support/render-cases.ts";

/** New York feed of the DST golden case: zoned events plus UTC-written (ambiguous) and all-day ones. */
const FEED = readFileSync(`${GOLDEN_DIR}dst-new-york/riverside--schedule-icu.ics`, "utf8");

/** The same feed with every VTIMEZONE offset moved 2 hours east (-0500 → -0300, -0400 → -0200). */
const WRONG_OFFSETS = FEED.replace(/^(TZOFFSET(?:FROM|TO)):-0([45])00\r$/gm, (_, name: string, h: string) => {
  return `${name}:-0${Number(h) - 2}00\r`;
});
/** The same feed with its zone renamed to a TZID no zone database knows. */
const RENAMED = FEED.replaceAll("America/New_York", "Custom/Riverside-Hospital-Time");
/** The same feed with its VTIMEZONE removed. */
const NO_VTIMEZONE = FEED.replace(/BEGIN:VTIMEZONE\r\n[\s\S]*?END:VTIMEZONE\r\n/g, "");

const READERS: [name: string, tools: Tool[], read: Reader][] = [
  ["ical.js", [], readWithIcalJs],
  ["python-icalendar (VTIMEZONE reading)", ["python3", "pythonIcalendar"], readWithPythonIcalendar],
  ["libical", ["python3", "libical"], readWithLibical],
];

const HOUR = 3_600_000;
const shifted = (iso: string, ms: number) =>
  new Date(Date.parse(iso) + ms).toISOString().replace(".000Z", "Z");

describe.each(READERS)("%s", (name, tools, read) => {
  const skip = tools.length > 0 && skipWithout(`the ${name} VTIMEZONE checks`, tools);

  it.skipIf(skip)(
    "follows the feed's VTIMEZONE: offsets 2 h off move every zoned instant 2 h earlier",
    async () => {
      expect(WRONG_OFFSETS).not.toBe(FEED);
      const right = await read(FEED);
      const wrong = await read(WRONG_OFFSETS);
      expect(wrong.map((e) => e.uid)).toEqual(right.map((e) => e.uid));
      const zoned = new Set(
        FEED.replace(/\r\n[ \t]/g, "")
          .split("BEGIN:VEVENT")
          .filter((block) => /^DTSTART;TZID=/m.test(block))
          .map((block) => /^UID:(.*)\r$/m.exec(block)?.[1]),
      );
      expect(zoned.size).toBeGreaterThan(5);
      let moved = 0;
      for (const [i, e] of wrong.entries()) {
        const r = right[i]!;
        if (e.allDay || !zoned.has(e.uid)) {
          expect(e, `${e.uid} has no TZID: unchanged`).toEqual(r);
          continue;
        }
        expect([e.uid, e.start, e.end]).toEqual([
          e.uid,
          shifted(r.start, -2 * HOUR),
          shifted(r.end, -2 * HOUR),
        ]);
        moved++;
      }
      expect(moved).toBe(zoned.size);
    },
  );

  it.skipIf(skip)(
    "needs no zone database: a TZID no database knows reads the same through its VTIMEZONE",
    async () => {
      expect(await read(RENAMED)).toEqual(await read(FEED));
    },
  );
});

describe("libical_read.py", () => {
  const skip = skipWithout("the libical reader checks", ["python3", "libical"]);

  it("never asks libical for a built-in zone (source check)", () => {
    const source = readFileSync(LIBICAL_READER, "utf8");
    // Code only: drop the module docstring and comments, which explain what is avoided.
    const code = source
      .replace(/^"""[\s\S]*?"""/, "")
      .split("\n")
      .map((line) => line.replace(/#.*$/, ""))
      .join("\n");
    expect(code).not.toMatch(
      /get_builtin|get_utc_timezone|set_zone_directory|Component\.get_dt|\.get_dtstart\(\)\s*$/m,
    );
    expect(code).toMatch(/Timezone\.new\(\)/);
    expect(code).toMatch(/as_timet_with_zone\(zones\[tzid\]\)/);
  });

  it.skipIf(skip)(
    "fails on a TZID without a VTIMEZONE instead of falling back to libical's zone database",
    async () => {
      await expect(readWithLibical(NO_VTIMEZONE)).rejects.toThrow(/TZID America\/New_York has no VTIMEZONE/);
    },
  );
});

describe("availability() and the skip messages", () => {
  afterEach(() => vi.restoreAllMocks());

  const absent = availability({
    python: "/nonexistent/python3",
    vdirsyncer: "/nonexistent/vdirsyncer",
    chromium: "/nonexistent/chromium",
  });

  it("reports every package missing when the interpreter and vdirsyncer do not exist", () => {
    expect(absent).toEqual({
      python3: false,
      pythonIcalendar: false,
      libical: false,
      vdirsyncer: false,
      prometheusClient: false,
      chromium: false,
      missing: {
        python3: ["python3", "tzdata"],
        pythonIcalendar: ["python3", "python3-icalendar"],
        libical: ["python3", "python3-gi", "gir1.2-ical-3.0"],
        vdirsyncer: ["vdirsyncer"],
        prometheusClient: ["python3", "python3-prometheus-client"],
        chromium: ["chromium"],
      },
    });
  });

  it("names the missing Debian packages in a console.warn and asks to skip", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    expect(skipWithout("the vdirsyncer checks", ["vdirsyncer"], absent, {})).toBe(true);
    expect(skipWithout("the libical checks", ["libical"], absent, {})).toBe(true);
    expect(warn.mock.calls).toEqual([
      [
        "skipping the vdirsyncer checks: Debian package vdirsyncer is not installed (CI installs it via .ci/run)",
      ],
      [
        "skipping the libical checks: Debian packages python3, python3-gi, gir1.2-ical-3.0 are not installed " +
          "(CI installs them via .ci/run)",
      ],
    ]);
  });

  it("fails instead of skipping in CI, so CI cannot pass with the real-client checks skipped", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    expect(() => skipWithout("the vdirsyncer checks", ["vdirsyncer"], absent, { CI: "true" })).toThrow(
      "cannot run the vdirsyncer checks: Debian package vdirsyncer is not installed",
    );
    expect(() => skipWithout("the libical checks", ["libical"], absent, { CI: "1" })).toThrow(/in CI every/);
    expect(skipWithout("the libical checks", ["libical"], absent, { CI: "false" })).toBe(true);
    expect(skipWithout("the libical checks", ["libical"], absent, {})).toBe(true);
    expect(warn).toHaveBeenCalledTimes(2);
  });

  it("neither warns nor skips when everything is present", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const none = {
      python3: [],
      pythonIcalendar: [],
      libical: [],
      vdirsyncer: [],
      prometheusClient: [],
      chromium: [],
    };
    const all = { ...absent, missing: none };
    expect(skipMessage("x", ["python3", "pythonIcalendar", "libical", "vdirsyncer"], all)).toBeNull();
    expect(skipWithout("x", ["vdirsyncer"], all)).toBe(false);
    expect(warn).not.toHaveBeenCalled();
  });
});
