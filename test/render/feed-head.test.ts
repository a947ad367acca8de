// The calendar head the feed writer writes itself (src/core/ical/assemble-feed.ts) against ical-generator 11, the
// library the feeds' first bytes came from and which stays the reference: for any name and refresh interval the
// head is byte for byte what ical-generator wrote, folded by the one `foldLines` every feed line goes through.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import ical, { escape, ICalCalendarMethod } from "ical-generator";
import { describe, expect, it } from "vitest";
import { feedOpening, PRODID } from "../../src/core/ical/assemble-feed.ts";
import { cleanText, escapeText } from "../../src/core/ical/text.ts";

/** The head as it was written with ical-generator, up to the VTIMEZONEs (which `vtimezone.ts` always wrote). */
function reference(name: string, zone: string, refreshSeconds: number, duration: string): string {
  const calendar = ical({
    prodId: PRODID.slice(1),
    method: ICalCalendarMethod.PUBLISH,
    name: escape(cleanText(name), false),
  });
  const head = calendar.toString().replace(/END:VCALENDAR$/, "");
  return (
    head +
    `X-WR-TIMEZONE:${zone}\r\nREFRESH-INTERVAL;VALUE=DURATION:${duration}\r\nX-PUBLISHED-TTL:${duration}\r\n`
  );
}

const text = fc.string({
  unit: fc.constantFrom(
    "a",
    "Z",
    " ",
    "é",
    "中",
    "𝄞",
    ";",
    ",",
    "\\",
    ":",
    '"',
    "\n",
    "\r",
    "\u0000",
    "\u0085",
  ),
  maxLength: 200,
});

describe("the calendar head: the same bytes as ical-generator", () => {
  it("for any name, including empty, hostile and long ones", () => {
    fc.assert(
      fc.property(text, (name) => {
        const head = feedOpening({ name, zone: "Europe/Berlin", refreshSeconds: 3600 }, []);
        expect(head).toBe(reference(name, "Europe/Berlin", 3600, "PT1H"));
      }),
      { numRuns: 2000 },
    );
  });

  it("escapes TEXT as ical-generator does", () => {
    fc.assert(
      fc.property(text, (value) => {
        expect(escapeText(value)).toBe(escape(cleanText(value), false));
      }),
      { numRuns: 2000 },
    );
  });

  it("writes the refresh interval as an RFC 5545 duration", () => {
    const cases: [number, string][] = [
      [0, "PT0S"],
      [60, "PT1M"],
      [3600, "PT1H"],
      [5400, "PT1H30M"],
      [86_400, "P1D"],
      [90_061, "P1DT1H1M1S"],
    ];
    for (const [seconds, duration] of cases) {
      const head = feedOpening({ name: "Ward", zone: "America/New_York", refreshSeconds: seconds }, []);
      expect(head).toBe(reference("Ward", "America/New_York", seconds, duration));
    }
  });

  it("nothing under src/ renders with ical-generator (it is the tests' reference only)", () => {
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
      );
    const importers = files("src").filter((f) =>
      /from\s+["']ical-generator["']/.test(readFileSync(f, "utf8")),
    );
    expect(importers).toEqual([]);
  });
});
