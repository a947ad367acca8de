// buildVtimezone read back by ical.js: every sampled instant and every transition must get Intl's offset.
import { execFileSync } from "node:child_process";
import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { offsetAt, resolveLocalTime } from "../../../src/core/time/local-time.ts";
import { buildVtimezone } from "../../../src/core/time/vtimezone.ts";
import { transitionsBetween } from "../../../src/core/time/zone-offsets.ts";

const ZONES = [
  "America/New_York",
  "Europe/London",
  "Europe/Dublin",
  "Australia/Lord_Howe",
  "Pacific/Chatham",
  "Asia/Kathmandu",
  "Australia/Sydney",
  "America/Santiago",
  "Asia/Tokyo",
  "UTC",
  "America/Sao_Paulo",
  "America/Mexico_City",
  "Asia/Tehran",
  "America/Nuuk",
  "Asia/Almaty",
  "Africa/Casablanca",
];

const RANGES: [zone: string, from: number, to: number][] = [
  ...ZONES.map((z): [string, number, number] => [z, 2024, 2028]),
  ["America/Sao_Paulo", 2017, 2021],
  ["America/Mexico_City", 2020, 2024],
  ["Asia/Tehran", 2020, 2024],
  ["America/Nuuk", 2022, 2025],
  ["Asia/Almaty", 2023, 2025],
  ["America/New_York", 2026, 2026],
  ["Australia/Sydney", 2026, 2026],
];

const HOUR = 3_600_000;

function parseZone(vtimezone: string): ICAL.Timezone {
  const cal = new ICAL.Component(
    ICAL.parse(
      `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//shiftfeed//test//EN\r\n${vtimezone}\r\nEND:VCALENDAR\r\n`,
    ),
  );
  const component = cal.getFirstSubcomponent("vtimezone");
  if (!component) throw new Error("no VTIMEZONE");
  const tz = new ICAL.Timezone(component);
  ICAL.TimezoneService.register(tz);
  return tz;
}

interface Change {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  utcOffset: number;
}

/**
 * ical.js's offset (minutes) at a UTC instant, from the changes it expanded out of the VTIMEZONE. Its public
 * UTC→zone conversion looks the UTC time up as if it were local, which is off near transitions.
 */
function icalOffsetAt(tz: ICAL.Timezone, epochMs: number): number {
  tz._ensureCoverage(new Date(epochMs).getUTCFullYear() + 1);
  let offset = 0; // what ical.js answers before its first change
  for (const c of tz.changes as Change[]) {
    if (Date.UTC(c.year, c.month - 1, c.day, c.hour, c.minute, c.second) > epochMs) break;
    offset = c.utcOffset / 60;
  }
  return offset;
}

describe("buildVtimezone read back by ical.js", () => {
  it.each(RANGES)("%s %i–%i matches Intl every 6 h and around each transition", (zone, from, to) => {
    const tz = parseZone(buildVtimezone(zone, from, to));
    const start = Date.UTC(from, 0, 1) - 14 * HOUR;
    const end = Date.UTC(to + 1, 0, 1) + 12 * HOUR;
    const instants: number[] = [];
    for (let t = start; t < end; t += 6 * HOUR) instants.push(t);
    for (const tr of transitionsBetween(zone, start, end))
      instants.push(tr.at - 60_000, tr.at, tr.at + 60_000);
    for (const t of instants) {
      expect([new Date(t).toISOString(), icalOffsetAt(tz, t)]).toEqual([
        new Date(t).toISOString(),
        offsetAt(t, zone),
      ]);
    }
  });

  it.each(RANGES)("%s %i–%i converts unambiguous wall times like resolveLocalTime", (zone, from, to) => {
    const tz = parseZone(buildVtimezone(zone, from, to));
    const start = Date.UTC(from, 0, 1);
    const end = Date.UTC(to + 1, 0, 1) - 12 * HOUR;
    const walls = new Set<number>();
    for (let t = start; t < end; t += 7 * HOUR + 15 * 60_000) walls.add(t);
    for (const tr of transitionsBetween(zone, start, end)) {
      for (const d of [-90, -61, -1, 1, 61, 90]) walls.add(tr.at + tr.after * 1000 + d * 60_000);
    }
    const got: string[] = [];
    const want: string[] = [];
    for (const wall of walls) {
      const d = new Date(wall);
      const date = d.toISOString().slice(0, 10);
      const time = d.toISOString().slice(11, 16);
      const resolved = resolveLocalTime(date, time, zone);
      if (resolved.kind !== "exact") continue;
      const t = ICAL.Time.fromData(
        {
          year: d.getUTCFullYear(),
          month: d.getUTCMonth() + 1,
          day: d.getUTCDate(),
          hour: d.getUTCHours(),
          minute: d.getUTCMinutes(),
        },
        tz,
      );
      got.push(`${date}T${time} ${t.toUnixTime() * 1000}`);
      want.push(`${date}T${time} ${resolved.epochMs}`);
    }
    expect(want.length).toBeGreaterThan((to - from + 1) * 1000);
    expect(got).toEqual(want);
  });

  it("reads offset 0 before the first DTSTART, which is why the 1970 observance is there", () => {
    const full = buildVtimezone("America/New_York", 2025, 2027);
    const withoutInitial = full.replace(
      /BEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n(?:.*\r\n)*?END:STANDARD\r\n/,
      "",
    );
    expect(withoutInitial).not.toContain("19700101");
    const jan = Date.parse("2025-01-15T12:00:00Z");
    expect(icalOffsetAt(parseZone(withoutInitial), jan)).toBe(0);
    expect(icalOffsetAt(parseZone(full), jan)).toBe(-300);
  });
});

describe("buildVtimezone format", () => {
  it("pins America/New_York 2025–2027", () => {
    expect(buildVtimezone("America/New_York", 2025, 2027)).toBe(
      [
        "BEGIN:VTIMEZONE",
        "TZID:America/New_York",
        "X-LIC-LOCATION:America/New_York",
        "BEGIN:STANDARD",
        "DTSTART:19700101T000000",
        "TZOFFSETFROM:-0500",
        "TZOFFSETTO:-0500",
        "TZNAME:EST",
        "END:STANDARD",
        "BEGIN:DAYLIGHT",
        "DTSTART:20250309T020000",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU",
        "TZOFFSETFROM:-0500",
        "TZOFFSETTO:-0400",
        "TZNAME:EDT",
        "END:DAYLIGHT",
        "BEGIN:STANDARD",
        "DTSTART:20251102T020000",
        "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU",
        "TZOFFSETFROM:-0400",
        "TZOFFSETTO:-0500",
        "TZNAME:EST",
        "END:STANDARD",
        "END:VTIMEZONE",
      ].join("\r\n"),
    );
  });

  it.each([
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Europe/Dublin",
  ])("%s uses yearly rules", (zone) =>
    expect(buildVtimezone(zone, 2024, 2028)).toContain("RRULE:FREQ=YEARLY;BYMONTH="),
  );

  it("uses the last-weekday rule for EU dates", () => {
    expect(buildVtimezone("Europe/London", 2024, 2028)).toContain(
      "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n",
    );
    expect(buildVtimezone("Pacific/Chatham", 2024, 2028)).toContain("DTSTART:20240929T024500\r\n");
    expect(buildVtimezone("Australia/Lord_Howe", 2024, 2028)).toContain("TZOFFSETTO:+1030\r\n");
  });

  it("ends a run that stops with UNTIL at its last transition", () => {
    const mexico = buildVtimezone("America/Mexico_City", 2020, 2024);
    expect(mexico).toContain("RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU;UNTIL=20221030T070000Z\r\n");
    expect(mexico).toContain("RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU;UNTIL=20220403T080000Z\r\n");
  });

  it("describes a zone without transitions with one STANDARD observance", () => {
    for (const [zone, offset, name] of [
      ["Asia/Kathmandu", "+0545", "+0545"],
      ["Asia/Tokyo", "+0900", "+0900"],
      ["UTC", "+0000", "UTC"],
    ]) {
      expect(buildVtimezone(zone as string, 2024, 2028)).toBe(
        [
          "BEGIN:VTIMEZONE",
          `TZID:${zone}`,
          `X-LIC-LOCATION:${zone}`,
          "BEGIN:STANDARD",
          "DTSTART:19700101T000000",
          `TZOFFSETFROM:${offset}`,
          `TZOFFSETTO:${offset}`,
          `TZNAME:${name}`,
          "END:STANDARD",
          "END:VTIMEZONE",
        ].join("\r\n"),
      );
    }
  });

  it.each(RANGES)("%s %i–%i: well-formed, no RDATE, sorted DTSTARTs", (zone, from, to) => {
    const out = buildVtimezone(zone, from, to);
    expect(out.startsWith("BEGIN:VTIMEZONE\r\n")).toBe(true);
    expect(out.endsWith("\r\nEND:VTIMEZONE")).toBe(true);
    expect(out).not.toContain("RDATE");
    expect(out).not.toMatch(/\r(?!\n)|(?<!\r)\n/);
    for (const line of out.split("\r\n"))
      expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(75);
    const starts = [...out.matchAll(/^DTSTART:(\d{8}T\d{6})$/gm)].map((m) => m[1] ?? "");
    expect(starts).toEqual([...starts].sort());
    expect(buildVtimezone(zone, from, to)).toBe(out);
  });

  it("rejects unsupported zones and bad ranges", () => {
    expect(() => buildVtimezone("EST5EDT", 2024, 2028)).toThrow(/EST5EDT/);
    expect(() => buildVtimezone("UTC", 2028, 2024)).toThrow(/toYear/);
    expect(() => buildVtimezone("UTC", 2024.5, 2028)).toThrow(/fromYear/);
  });
});

describe("determinism across process time zones", () => {
  it("renders the same bytes in a process with TZ=Pacific/Chatham", () => {
    const url = new URL("../../../src/core/time/vtimezone.ts", import.meta.url).href;
    const script = `import(${JSON.stringify(url)}).then((m) => process.stdout.write(m.buildVtimezone("Europe/Dublin", 2024, 2028)))`;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      env: { ...process.env, TZ: "Pacific/Chatham" },
      encoding: "utf8",
    });
    expect(out).toBe(buildVtimezone("Europe/Dublin", 2024, 2028));
  });
});
