/**
 * Same bytes in any process time zone (docs/architecture.md): every golden case and a sweep of the time functions are
 * computed in child processes run under several `TZ` values — zones with odd offsets, DST of either sign, and
 * the date line — and must equal the golden files and this process's answers byte for byte. A test that ran only
 * in the host's zone could not see a dependence on it. `SHIFTFEED_LONG_TESTS=1` adds more zones.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { digestFeeds, RENDER_CASES, readGolden, ROOT } from "../support/render-cases.ts";
import { timeProbe } from "../support/tz-probe.ts";
import { LONG_TESTS } from "../support/long-tests.ts";

const run = promisify(execFile);

/** Host zones: UTC+14, UTC−03:30 with DST, UTC+13 in summer, and UTC−12 with no DST at all. */
const HOST_ZONES = [
  "Pacific/Kiritimati",
  "America/St_Johns",
  "Pacific/Auckland",
  "Etc/GMT+12",
  ...(LONG_TESTS
    ? ["UTC", "Asia/Kathmandu", "Australia/Lord_Howe", "Europe/Dublin", "Africa/Casablanca"]
    : []),
];

interface Report {
  zone: string;
  offsets: number[];
  cases: Record<string, string>;
  probe: string;
}

async function probeIn(zone: string): Promise<Report> {
  const { stdout } = await run(process.execPath, [`${ROOT}test/support/tz-probe.ts`], {
    env: { ...process.env, TZ: zone },
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split("\n").pop()!) as Report;
}

describe("independent of the process time zone", () => {
  it(`renders every golden case and answers every time probe the same under TZ=${HOST_ZONES.join(", ")}`, async () => {
    const golden: Record<string, string> = {};
    for (const c of RENDER_CASES) golden[c.name] = await digestFeeds(readGolden(c.name));
    const probe = await timeProbe();
    const reports: Report[] = [];
    // Two at a time: the machine has two cores.
    for (let i = 0; i < HOST_ZONES.length; i += 2) {
      reports.push(...(await Promise.all(HOST_ZONES.slice(i, i + 2).map(probeIn))));
    }
    for (const [i, zone] of HOST_ZONES.entries()) {
      const r = reports[i]!;
      // The child really ran in that zone (Etc/GMT+12 is UTC−12: a +720 minute getTimezoneOffset).
      const expected = new Date(Date.UTC(2027, 0, 15)).toLocaleString("en-US", { timeZone: zone });
      // Compared as ICU names it (it reports Asia/Kathmandu as Asia/Katmandu, its canonical id).
      expect(r.zone, zone).toBe(
        new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone,
      );
      expect(
        new Date(Date.UTC(2027, 0, 15) - r.offsets[0]! * 60_000).toLocaleString("en-US", { timeZone: "UTC" }),
      ).toBe(expected);
      expect(r.cases, `golden cases under TZ=${zone}`).toEqual(golden);
      expect(r.probe, `time probe under TZ=${zone}`).toBe(probe);
    }
  }, 120_000);
});
