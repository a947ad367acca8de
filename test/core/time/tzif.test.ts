// The host's compiled zoneinfo as a rules source: TZif files (as zic writes them, "fat" and "slim"), their POSIX TZ
// footers, and the order of tz releases. Offsets are checked against Python's zoneinfo on the same files, which
// shares no code with shiftfeed.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parsePosixTz, posixChanges, posixOffsetAt } from "../../../src/core/time/posix-tz.ts";
import { parseTzif, tzifSpan } from "../../../src/core/time/tzif.ts";
import { compareTzVersions, systemTzVersion, systemZoneRules } from "../../../src/node/host-zone-rules.ts";
import { PYTHON } from "../../support/parsers.ts";

const SYSTEM = "/usr/share/zoneinfo";
const FROM = Date.UTC(2000, 0, 1);
const TO = Date.UTC(2100, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString().replace(".000", "");

/** Python zoneinfo's offset (seconds) of each zone at each instant, read from `dir`. */
function pythonOffsets(dir: string, asked: Record<string, number[]>): Record<string, number[]> {
  const script = `
import json, sys, zoneinfo
from datetime import datetime, timezone
zoneinfo.reset_tzpath([sys.argv[1]])
asked = json.load(sys.stdin)
print(json.dumps({z: [int(datetime.fromtimestamp(t / 1000, timezone.utc).astimezone(zoneinfo.ZoneInfo(z)).utcoffset().total_seconds()) for t in ts] for z, ts in asked.items()}))
`;
  const out = execFileSync(PYTHON, ["-c", script, dir], { input: JSON.stringify(asked) });
  return JSON.parse(out.toString()) as Record<string, number[]>;
}

describe("tz release order", () => {
  it("orders by year, then letters: 2026f > 2026c, 2027a > 2026z, 2026za > 2026z; unknown lowest", () => {
    expect(compareTzVersions("2026f", "2026c")).toBeGreaterThan(0);
    expect(compareTzVersions("2027a", "2026z")).toBeGreaterThan(0);
    expect(compareTzVersions("2026z", "2027a")).toBeLessThan(0);
    expect(compareTzVersions("2026za", "2026z")).toBeGreaterThan(0);
    expect(compareTzVersions("2026c", "2026c")).toBe(0);
    expect(compareTzVersions("unknown", "1970a")).toBeLessThan(0);
    expect(compareTzVersions("2026c", null)).toBeGreaterThan(0);
  });

  it("reads the system zoneinfo's release from tzdata.zi", () => {
    const line = readFileSync(join(SYSTEM, "tzdata.zi"), "utf8").split("\n", 1)[0];
    expect(`# version ${systemTzVersion(SYSTEM)}`).toBe(line);
    expect(systemTzVersion("/nonexistent")).toBeNull();
  });
});

describe("POSIX TZ footers", () => {
  it("reads fixed offsets, named and quoted (<-04>4 is -04:00; UTC0)", () => {
    expect(parsePosixTz("<-04>4")).toEqual({ std: -14400, dst: null, start: null, end: null });
    expect(parsePosixTz("UTC0")?.std).toBe(0);
    expect(parsePosixTz("<+0545>-5:45")?.std).toBe(20700);
    expect(parsePosixTz("nonsense")).toBeNull();
    expect(parsePosixTz("EST5EDT,M3.2.0")).toBeNull();
  });

  it("EST5EDT,M3.2.0,M11.1.0: 2030 changes at 2030-03-10 07:00Z and 2030-11-03 06:00Z", () => {
    const tz = parsePosixTz("EST5EDT,M3.2.0,M11.1.0")!;
    expect(posixChanges(tz, Date.UTC(2030, 0, 1), Date.UTC(2031, 0, 1)).map(iso)).toEqual([
      "2030-03-10T07:00:00Z",
      "2030-11-03T06:00:00Z",
    ]);
    expect(posixOffsetAt(tz, Date.UTC(2030, 6, 1))).toBe(-14400);
    expect(posixOffsetAt(tz, Date.UTC(2030, 11, 1))).toBe(-18000);
  });

  it("times outside 0–24 h and southern rules: <-03>3<-02>,M3.5.0/-2,M10.5.0/-1 (Nuuk)", () => {
    const tz = parsePosixTz("<-02>2<-01>,M3.5.0/-1,M10.5.0/0")!;
    // Last Sunday of March 2030 is the 31st: -01:00 local on the 31st is 30th 23:00 local, 2030-03-31T01:00Z.
    expect(posixChanges(tz, Date.UTC(2030, 0, 1), Date.UTC(2031, 0, 1)).map(iso)).toEqual([
      "2030-03-31T01:00:00Z",
      "2030-10-27T01:00:00Z",
    ]);
  });

  it("a year-round daylight rule (0/0,J365/25) has no change at all", () => {
    const tz = parsePosixTz("<+03>-3<+04>,0/0,J365/25")!;
    expect(posixChanges(tz, Date.UTC(2030, 0, 1), Date.UTC(2035, 0, 1))).toEqual([]);
    expect(posixOffsetAt(tz, Date.UTC(2032, 0, 1))).toBe(14400);
    expect(posixOffsetAt(tz, Date.UTC(2032, 6, 1))).toBe(14400);
  });
});

describe("TZif files", () => {
  const work = mkdtempSync(join(tmpdir(), "shiftfeed-tzif-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const ZONES = [
    "America/Havana",
    "America/New_York",
    "America/Winnipeg",
    "Europe/Dublin",
    "Africa/Casablanca",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "America/Nuuk",
    "America/Santiago",
    "Asia/Kathmandu",
    "UTC",
  ];

  /** Every zone's changes over 2000–2099 agree with Python's zoneinfo on the same directory, either side of each. */
  function agreesWithPython(dir: string): void {
    const rules = systemZoneRules(dir, "test");
    const asked: Record<string, number[]> = {};
    const ours: Record<string, number[]> = {};
    for (const zone of ZONES) {
      const span = rules.span(zone, FROM, TO)!;
      expect(span, zone).not.toBeNull();
      asked[zone] = [FROM - 1000];
      ours[zone] = [span.initial];
      for (const t of span.transitions) {
        asked[zone].push(t.at - 1000, t.at);
        ours[zone].push(t.before, t.after);
      }
      // And every 10 days, to catch a change missed altogether.
      const parsed = parseTzif(readFileSync(join(dir, zone)));
      for (let at = FROM; at < TO; at += 10 * 86_400_000) {
        asked[zone].push(at);
        // The offset just before at + 1 s is the one in force at `at`.
        ours[zone].push(tzifSpan(parsed, at + 1000, at + 2000).initial);
      }
    }
    expect(ours).toEqual(pythonOffsets(dir, asked));
  }

  it("the system's files ('fat': transitions listed to 2037, then the footer) give Python's offsets", () => {
    agreesWithPython(SYSTEM);
    const havana = systemZoneRules(SYSTEM, "test").span(
      "America/Havana",
      Date.UTC(2026, 0, 1),
      Date.UTC(2028, 0, 1),
    );
    // Debian's 2026f: spring 2026, then -04 until 2027-11-07.
    expect(havana?.transitions.map((t) => `${iso(t.at)} ${t.before}>${t.after}`)).toEqual([
      "2026-03-08T05:00:00Z -18000>-14400",
      "2027-11-07T05:00:00Z -14400>-18000",
    ]);
  });

  it("'slim' files (zic -b slim: few transitions, the footer rules the rest) give Python's offsets", () => {
    const slim = join(work, "slim");
    execFileSync("zic", ["-b", "slim", "-d", slim, join(SYSTEM, "tzdata.zi")]);
    const footer = readFileSync(join(slim, "America/New_York"), "latin1").trimEnd().split("\n").pop();
    expect(footer).toBe("EST5EDT,M3.2.0,M11.1.0");
    agreesWithPython(slim);
  });

  it("refuses what is not TZif v2+ with a message, and a zone the directory lacks is left to the runtime", () => {
    expect(() => parseTzif(new TextEncoder().encode("hello"))).toThrow("not a TZif file");
    const v1 = new Uint8Array(readFileSync(join(SYSTEM, "UTC")));
    v1[4] = 0;
    expect(() => parseTzif(v1)).toThrow("version 1");
    const rules = systemZoneRules(SYSTEM, "test");
    expect(rules.span("Mars/Olympus_Mons", FROM, TO)).toBeNull();
    expect(rules.span("../../etc/passwd", FROM, TO)).toBeNull();
  });
});
