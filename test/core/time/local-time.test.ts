// resolveLocalTime and friends against hand-checked instants (from the tzdb rules, not from the code under test).
import { describe, expect, it } from "vitest";
import {
  addDays,
  daysBetween,
  isSupportedZone,
  localDateOf,
  offsetAt,
  resolveLocalTime,
} from "../../../src/core/time/local-time.ts";

type Case = [
  zone: string,
  date: string,
  time: string,
  utc: string,
  kind: "exact" | "gap" | "ambiguous",
  local?: string,
];

const cases: Case[] = [
  // America/New_York: EDT from 2026-03-08 02:00 EST, EST from 2026-11-01 02:00 EDT.
  ["America/New_York", "2026-01-15", "09:00", "2026-01-15T14:00:00Z", "exact"],
  ["America/New_York", "2026-07-01", "07:00", "2026-07-01T11:00:00Z", "exact"],
  ["America/New_York", "2026-03-08", "02:30", "2026-03-08T07:30:00Z", "gap", "2026-03-08T03:30:00"],
  ["America/New_York", "2026-03-08", "02:00", "2026-03-08T07:00:00Z", "gap", "2026-03-08T03:00:00"],
  ["America/New_York", "2026-03-08", "03:00", "2026-03-08T07:00:00Z", "exact"],
  ["America/New_York", "2026-11-01", "01:30", "2026-11-01T05:30:00Z", "ambiguous"],
  ["America/New_York", "2026-11-01", "01:00", "2026-11-01T05:00:00Z", "ambiguous"],
  ["America/New_York", "2026-11-01", "02:00", "2026-11-01T07:00:00Z", "exact"],
  // Europe/London and Europe/Dublin: BST/IST 2026-03-29 01:00Z to 2026-10-25 01:00Z.
  ["Europe/London", "2026-03-29", "01:30", "2026-03-29T01:30:00Z", "gap", "2026-03-29T02:30:00"],
  ["Europe/London", "2026-10-25", "01:30", "2026-10-25T00:30:00Z", "ambiguous"],
  ["Europe/London", "2026-06-01", "12:00", "2026-06-01T11:00:00Z", "exact"],
  ["Europe/Dublin", "2026-03-29", "01:00", "2026-03-29T01:00:00Z", "gap", "2026-03-29T02:00:00"],
  ["Europe/Dublin", "2026-10-25", "01:59", "2026-10-25T00:59:00Z", "ambiguous"],
  ["Europe/Dublin", "2026-12-01", "08:00", "2026-12-01T08:00:00Z", "exact"],
  // Australia/Lord_Howe: +11 until 2026-04-05 02:00 (→ 01:30 +10:30); +10:30 until 2026-10-04 02:00 (→ 02:30 +11).
  ["Australia/Lord_Howe", "2026-10-04", "02:15", "2026-10-03T15:45:00Z", "gap", "2026-10-04T02:45:00"],
  ["Australia/Lord_Howe", "2026-04-05", "01:45", "2026-04-04T14:45:00Z", "ambiguous"],
  ["Australia/Lord_Howe", "2026-07-01", "09:00", "2026-06-30T22:30:00Z", "exact"],
  // Pacific/Chatham: +13:45 until 2026-04-05 03:45 (→ 02:45 +12:45); +12:45 until 2026-09-27 02:45 (→ 03:45).
  ["Pacific/Chatham", "2026-09-27", "03:00", "2026-09-26T14:15:00Z", "gap", "2026-09-27T04:00:00"],
  ["Pacific/Chatham", "2026-04-05", "03:00", "2026-04-04T13:15:00Z", "ambiguous"],
  ["Pacific/Chatham", "2026-01-10", "12:00", "2026-01-09T22:15:00Z", "exact"],
  // Asia/Kathmandu: +05:45 all year.
  ["Asia/Kathmandu", "2026-06-01", "10:00", "2026-06-01T04:15:00Z", "exact"],
  // Australia/Sydney: +11 until 2026-04-05 03:00 (→ 02:00 +10); +10 until 2026-10-04 02:00 (→ 03:00).
  ["Australia/Sydney", "2026-01-15", "09:00", "2026-01-14T22:00:00Z", "exact"],
  ["Australia/Sydney", "2026-10-04", "02:30", "2026-10-03T16:30:00Z", "gap", "2026-10-04T03:30:00"],
  ["Australia/Sydney", "2026-04-05", "02:30", "2026-04-04T15:30:00Z", "ambiguous"],
  // America/Santiago: -03 until 2026-04-05 03:00Z (local 24:00 → 23:00); -04 until 2026-09-06 04:00Z (00:00 → 01:00).
  ["America/Santiago", "2026-04-04", "23:30", "2026-04-05T02:30:00Z", "ambiguous"],
  ["America/Santiago", "2026-09-06", "00:30", "2026-09-06T04:30:00Z", "gap", "2026-09-06T01:30:00"],
  ["America/Santiago", "2026-07-01", "08:00", "2026-07-01T12:00:00Z", "exact"],
  // Asia/Tokyo and UTC: no transitions.
  ["Asia/Tokyo", "2026-03-08", "02:30", "2026-03-07T17:30:00Z", "exact"],
  ["UTC", "2026-03-29", "01:30", "2026-03-29T01:30:00Z", "exact"],
  // America/Sao_Paulo: last DST began 2018-11-04 00:00 -03 (→ 01:00 -02); -03 all year since 2019.
  ["America/Sao_Paulo", "2018-11-04", "00:30", "2018-11-04T03:30:00Z", "gap", "2018-11-04T01:30:00"],
  ["America/Sao_Paulo", "2026-11-01", "00:30", "2026-11-01T03:30:00Z", "exact"],
  // America/Mexico_City: last DST ended 2022-10-30 02:00 CDT (→ 01:00 CST); -06 all year since.
  ["America/Mexico_City", "2022-10-30", "01:30", "2022-10-30T06:30:00Z", "ambiguous"],
  ["America/Mexico_City", "2026-04-05", "02:30", "2026-04-05T08:30:00Z", "exact"],
  // Asia/Tehran: last DST 2022-03-22 00:00 (→ 01:00 +04:30) to 2022-09-22 00:00 (→ 2022-09-21 23:00); +03:30 since.
  ["Asia/Tehran", "2022-03-22", "00:30", "2022-03-21T21:00:00Z", "gap", "2022-03-22T01:30:00"],
  ["Asia/Tehran", "2022-09-21", "23:30", "2022-09-21T19:00:00Z", "ambiguous"],
  ["Asia/Tehran", "2026-03-22", "00:30", "2026-03-21T21:00:00Z", "exact"],
  // America/Nuuk: -02/-01 on EU dates since 2024: 2026-03-29 01:00Z (local Sat 23:00 → 00:00), 2026-10-25 01:00Z.
  ["America/Nuuk", "2026-03-28", "23:30", "2026-03-29T01:30:00Z", "gap", "2026-03-29T00:30:00"],
  ["America/Nuuk", "2026-10-24", "23:30", "2026-10-25T00:30:00Z", "ambiguous"],
  ["America/Nuuk", "2026-01-15", "12:00", "2026-01-15T14:00:00Z", "exact"],
  // Asia/Almaty: +06 → +05 on 2024-03-01 00:00 (clocks back to 2024-02-29 23:00).
  ["Asia/Almaty", "2024-02-29", "23:30", "2024-02-29T17:30:00Z", "ambiguous"],
  ["Asia/Almaty", "2026-06-01", "12:00", "2026-06-01T07:00:00Z", "exact"],
  // Africa/Casablanca: +01, and +00 around Ramadan (2026-02-15 to 2026-03-22).
  ["Africa/Casablanca", "2026-01-15", "12:00", "2026-01-15T11:00:00Z", "exact"],
  ["Africa/Casablanca", "2026-03-01", "12:00", "2026-03-01T12:00:00Z", "exact"],
];

describe("resolveLocalTime", () => {
  it.each(cases)("%s %s %s → %s (%s)", (zone, date, time, utc, kind, local) => {
    const r = resolveLocalTime(date, time, zone);
    expect(new Date(r.epochMs).toISOString().replace(".000", "")).toBe(utc);
    expect(r.kind).toBe(kind);
    expect(r.local).toBe(local ?? `${date}T${time}:00`);
    expect(r.offsetMinutes).toBe(offsetAt(r.epochMs, zone));
  });

  it("reports the offset of the chosen instant", () => {
    expect(resolveLocalTime("2026-11-01", "01:30", "America/New_York").offsetMinutes).toBe(-240);
    expect(resolveLocalTime("2026-03-08", "02:30", "America/New_York").offsetMinutes).toBe(-240);
    expect(resolveLocalTime("2026-06-01", "10:00", "Asia/Kathmandu").offsetMinutes).toBe(345);
    expect(resolveLocalTime("2026-01-10", "12:00", "Pacific/Chatham").offsetMinutes).toBe(825);
  });

  it("rejects malformed input naming the field", () => {
    expect(() => resolveLocalTime("2026-02-30", "07:00", "UTC")).toThrow(/`date`/);
    expect(() => resolveLocalTime("2026-1-01", "07:00", "UTC")).toThrow(/`date`/);
    expect(() => resolveLocalTime("2026-01-01", "24:00", "UTC")).toThrow(/`time`/);
    expect(() => resolveLocalTime("2026-01-01", "7:00", "UTC")).toThrow(/`time`/);
    expect(() => resolveLocalTime("2026-01-01", "07:00", "EST5EDT")).toThrow(/EST5EDT/);
  });
});

describe("offsetAt", () => {
  const zones = [
    "America/New_York",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Africa/Casablanca",
    "Asia/Almaty",
  ];
  it.each(zones)("matches Intl's longOffset every 6 hours 2024–2027 in %s", (zone) => {
    const longOffset = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" });
    for (let t = Date.UTC(2024, 0, 1); t < Date.UTC(2028, 0, 1); t += 6 * 3_600_000) {
      const name = longOffset.formatToParts(t).find((p) => p.type === "timeZoneName")?.value ?? "";
      const m = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(name);
      const expected = m?.[1] ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
      expect(offsetAt(t, zone)).toBe(expected);
    }
  });

  it("switches at the exact transition instant", () => {
    const spring = Date.parse("2026-03-08T07:00:00Z");
    expect(offsetAt(spring - 1, "America/New_York")).toBe(-300);
    expect(offsetAt(spring, "America/New_York")).toBe(-240);
    const chatham = Date.parse("2026-09-26T14:00:00Z");
    expect(offsetAt(chatham - 1, "Pacific/Chatham")).toBe(765);
    expect(offsetAt(chatham, "Pacific/Chatham")).toBe(825);
  });
});

describe("independent of the process time zone", () => {
  // Nothing is set up here on purpose: these must hold whatever TZ the test process runs in.
  it("gives the same instants for several zones", () => {
    expect(resolveLocalTime("2026-07-01", "00:00", "Asia/Tokyo").epochMs).toBe(
      Date.parse("2026-06-30T15:00:00Z"),
    );
    expect(resolveLocalTime("2026-07-01", "00:00", "UTC").epochMs).toBe(Date.parse("2026-07-01T00:00:00Z"));
    expect(resolveLocalTime("2026-07-01", "00:00", "America/Santiago").epochMs).toBe(
      Date.parse("2026-07-01T04:00:00Z"),
    );
    expect(localDateOf(Date.parse("2026-06-30T15:00:00Z"), "Asia/Tokyo")).toBe("2026-07-01");
    expect(localDateOf(Date.parse("2026-06-30T15:00:00Z"), "America/New_York")).toBe("2026-06-30");
  });
});

describe("localDateOf", () => {
  it("reads the zone's calendar date", () => {
    expect(localDateOf(Date.parse("2026-11-01T04:59:59Z"), "America/New_York")).toBe("2026-11-01");
    expect(localDateOf(Date.parse("2026-11-01T03:59:59Z"), "America/New_York")).toBe("2026-10-31");
    expect(localDateOf(Date.parse("2026-12-31T10:15:00Z"), "Pacific/Chatham")).toBe("2027-01-01");
    expect(localDateOf(Date.parse("2026-12-31T10:14:59Z"), "Pacific/Chatham")).toBe("2026-12-31");
  });
});

describe("calendar arithmetic", () => {
  it("adds days across months, leap days and years", () => {
    expect(addDays("2024-02-28", 1)).toBe("2024-02-29");
    expect(addDays("2023-02-28", 1)).toBe("2023-03-01");
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(addDays("2026-01-01", -1)).toBe("2025-12-31");
    expect(addDays("2026-03-08", 0)).toBe("2026-03-08");
    expect(addDays("2000-03-01", -1)).toBe("2000-02-29");
    expect(addDays("2100-03-01", -1)).toBe("2100-02-28");
    expect(addDays("2026-01-01", 365)).toBe("2027-01-01");
  });

  it("counts days between dates", () => {
    expect(daysBetween("2026-01-01", "2027-01-01")).toBe(365);
    expect(daysBetween("2024-01-01", "2025-01-01")).toBe(366);
    expect(daysBetween("2026-03-08", "2026-03-01")).toBe(-7);
    expect(daysBetween("1970-01-01", "2026-11-27")).toBe(Date.parse("2026-11-27") / 86_400_000);
  });
});

describe("isSupportedZone", () => {
  it.each(["UTC", "America/New_York", "America/Nuuk", "America/Argentina/Buenos_Aires", "Europe/Dublin"])(
    "accepts %s",
    (zone) => expect(isSupportedZone(zone)).toBe(true),
  );
  it.each([
    "EST5EDT",
    "EST",
    "MST7MDT",
    "CST6CDT",
    "PST8PDT",
    "Etc/GMT+5",
    "Etc/UTC",
    "US/Eastern",
    "Mars/Olympus",
    "",
    "america/new_york",
    "America/New_york",
    "AMERICA/NEW_YORK",
    "utc",
  ])("rejects %j", (zone) => expect(isSupportedZone(zone)).toBe(false));
});
