// The independent oracle (test/conformance/oracle.py, Python zoneinfo) checked against itself (PEP 495 claims)
// and against instants computed by hand for the time-zone matrix fixtures; then the matrix golden feeds as ical.js
// reads them must carry exactly the oracle's events. Skipped, with a warning, where Debian's python3 has no
// zoneinfo tz database (and failing instead in CI).
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseWithIcalJs, readGolden, readSnapshot, ROOT } from "../support/render-cases.ts";
import { PYTHON, skipWithout, type OracleEvent } from "../support/parsers.ts";

const ORACLE = `${ROOT}test/conformance/oracle.py`;
const NOW = "2027-01-15T12:00:00Z";
const MATRIX_DIR = "fixtures/matrix/";
const matrixFiles = readdirSync(`${ROOT}${MATRIX_DIR}`)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((f) => `${MATRIX_DIR}${f}`);

const oracleMissing = skipWithout("the conformance oracle (Python zoneinfo)", ["python3"]);

function runOracle(...args: string[]): OracleEvent[] {
  const out = execFileSync(PYTHON, [ORACLE, ...args], { cwd: ROOT, encoding: "utf8" });
  return (JSON.parse(out) as { events: OracleEvent[] }).events;
}

const hours = (e: OracleEvent) => (Date.parse(e.end) - Date.parse(e.start)) / 3_600_000;

/** Hand-computed from shiftfeed's time rules (gap → forward by the gap, ambiguous → earlier offset). */
const HAND: Record<string, readonly [start: string, end: string, hours?: number]> = {
  // New York: EST→EDT at 02:00 on 2027-03-14 (02:00–03:00 skipped); EDT→EST at 02:00 on 2027-11-07.
  "ny-spring-gap@new-york": ["2027-03-14T07:30:00Z", "2027-03-14T12:30:00Z"], // 02:30 → 03:30 EDT
  "ny-spring-gap-end@new-york": ["2027-03-14T01:30:00Z", "2027-03-14T07:30:00Z"],
  "ny-autumn-overlap@new-york": ["2027-11-07T05:30:00Z", "2027-11-07T12:30:00Z", 7], // 01:30 EDT, not EST
  "ny-autumn-overlap-end@new-york": ["2027-11-06T23:30:00Z", "2027-11-07T05:30:00Z"],
  "ny-spring-night@new-york": ["2027-03-14T00:00:00Z", "2027-03-14T11:00:00Z", 11],
  "ny-autumn-night@new-york": ["2027-11-06T23:00:00Z", "2027-11-07T12:00:00Z", 13],
  "ny-spring-call@new-york": ["2027-03-13T12:00:00Z", "2027-03-14T11:00:00Z", 23],
  "ny-autumn-call@new-york": ["2027-11-06T11:00:00Z", "2027-11-07T12:00:00Z", 25],
  "ny-spring-leave@new-york": ["2027-03-13", "2027-03-17"],
  "ny-day@new-york": ["2027-02-10T12:00:00Z", "2027-02-11T00:00:00Z", 12],
  // Lord Howe: +10:30→+11 at 02:00 on 2027-10-03 (02:00–02:30 skipped); +11→+10:30 at 02:00 on 2027-04-04.
  "lh-spring-gap@lord-howe": ["2027-10-02T15:45:00Z", "2027-10-02T21:15:00Z", 5.5], // 02:15 → 02:45 +11
  "lh-autumn-overlap@lord-howe": ["2027-04-03T14:45:00Z", "2027-04-03T21:15:00Z", 6.5], // 01:45 at +11
  "lh-spring-call@lord-howe": ["2027-10-01T20:30:00Z", "2027-10-02T20:00:00Z", 23.5],
  "lh-autumn-call@lord-howe": ["2027-04-02T20:00:00Z", "2027-04-03T20:30:00Z", 24.5],
  // Chatham: +12:45→+13:45 at 02:45 on 2027-09-26; +13:45→+12:45 at 03:45 on 2027-04-04.
  "ch-spring-gap@chatham": ["2027-09-25T14:30:00Z", "2027-09-25T19:30:00Z", 5], // 03:15 → 04:15 +13:45
  "ch-autumn-overlap@chatham": ["2027-04-03T13:30:00Z", "2027-04-03T20:30:00Z", 7], // 03:15 at +13:45
  "ch-spring-night@chatham": ["2027-09-25T06:15:00Z", "2027-09-25T17:15:00Z", 11],
  "ch-autumn-call@chatham": ["2027-04-02T17:15:00Z", "2027-04-03T18:15:00Z", 25],
  // Nuuk: −02→−01 at 23:00 on 2027-03-27 (23:00–24:00 skipped); −01→−02 at 24:00 on 2027-10-30.
  "nuk-spring-gap@nuuk": ["2027-03-28T01:30:00Z", "2027-03-28T06:30:00Z", 5],
  "nuk-autumn-overlap@nuuk": ["2027-10-31T00:30:00Z", "2027-10-31T07:30:00Z", 7],
  // Santiago: −04→−03 at 24:00 on 2027-09-04 (00:00–01:00 on 09-05 skipped); −03→−04 at 24:00 on 2027-04-03.
  "scl-spring-gap@santiago": ["2027-09-05T04:30:00Z", "2027-09-05T09:30:00Z", 5],
  "scl-autumn-overlap@santiago": ["2027-04-04T02:30:00Z", "2027-04-04T09:30:00Z", 7],
  // Mexico City: no DST since 2022 — the old rules' gap and overlap must not move anything.
  "mex-former-gap@mexico-city": ["2027-04-04T08:30:00Z", "2027-04-04T14:30:00Z", 6],
  "mex-former-overlap@mexico-city": ["2027-10-31T07:30:00Z", "2027-10-31T13:30:00Z", 6],
  // Kathmandu: +05:45 all year.
  "ktm-apr-night@kathmandu": ["2027-04-03T13:15:00Z", "2027-04-04T01:15:00Z", 12],
};

describe.skipIf(oracleMissing)("conformance oracle (Python zoneinfo)", () => {
  it("passes its self-check (PEP 495 fold=0 is shiftfeed's gap and overlap rule)", () => {
    const out = execFileSync(PYTHON, [ORACLE, "--self-check"], { cwd: ROOT, encoding: "utf8" });
    expect(JSON.parse(out)).toMatchObject({ selfCheck: "ok", failures: [] });
  });

  const events = !oracleMissing ? runOracle("--now", NOW, ...matrixFiles) : [];
  const byUid = new Map(events.map((e) => [e.uid.replace(/\.matrix\.shiftfeed$/, ""), e]));

  it("returns every matrix assignment (all inside the default window), sorted by uid", () => {
    const total = matrixFiles.reduce((n, f) => n + readSnapshot(f).assignments.length, 0);
    expect(matrixFiles.length).toBeGreaterThanOrEqual(10);
    expect(events).toHaveLength(total);
    expect(events.map((e) => e.uid)).toEqual(
      events.map((e) => e.uid).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    );
  });

  it.each(Object.entries(HAND))("%s at the hand-computed instants", (key, [start, end, h]) => {
    const e = byUid.get(key);
    expect(e, key).toBeDefined();
    expect([e!.start, e!.end]).toEqual([start, end]);
    if (h !== undefined) expect(hours(e!)).toBe(h);
  });

  it("puts the nomad in three schedules of three zones", () => {
    const schedules = new Set(events.filter((e) => e.person === "nomad").map((e) => e.schedule));
    expect([...schedules].sort()).toEqual(["kathmandu", "lord-howe", "sydney"]);
  });

  it("agrees with ical.js reading the matrix golden feeds (their own VTIMEZONEs) on every event", () => {
    const decoder = new TextDecoder();
    const seen = new Map<string, [string, string, boolean]>();
    for (const [name, bytes] of readGolden("matrix")) {
      for (const e of parseWithIcalJs(decoder.decode(bytes))) {
        const got: [string, string, boolean] = [e.start, e.end, e.allDay];
        const prev = seen.get(e.uid);
        if (prev) expect(got, `${name} ${e.uid}`).toEqual(prev);
        seen.set(e.uid, got);
      }
    }
    expect(seen.size, "matrix golden feeds exist").toBeGreaterThan(0);
    expect([...seen.keys()].sort()).toEqual(events.map((e) => e.uid));
    for (const e of events) expect(seen.get(e.uid), e.uid).toEqual([e.start, e.end, e.allDay]);
  });
});
