/**
 * What must not depend on the process time zone, computed in one process: every golden case's feeds (digests)
 * and a sweep of the time functions (wall time → instant, local dates, offsets, feed windows, VTIMEZONEs, HTTP
 * dates). `test/render/process-zone.test.ts` runs this file in child processes under several `TZ` values and
 * compares their answers with the golden files and with its own process.
 *
 * Run directly (`node test/support/tz-probe.ts [case…]`) it prints one JSON line: the zone the process runs in, its
 * January and July offsets, each case's digest and the probe digest.
 */
import { sha256Hex } from "../../src/core/digest.ts";
import { windowFor } from "../../src/core/publish/feed-specs.ts";
import { addDays, localDateOf, offsetAt, resolveLocalTime } from "../../src/core/time/local-time.ts";
import { buildVtimezone } from "../../src/core/time/vtimezone.ts";
import { formatHttpDate, parseHttpDate } from "../../src/http/conditional.ts";
import { digestFeeds, RENDER_CASES, renderCase } from "./render-cases.ts";

const ZONES = [
  "UTC",
  "America/New_York",
  "America/St_Johns",
  "Europe/Dublin",
  "Africa/Casablanca",
  "Asia/Kathmandu",
  "Australia/Lord_Howe",
  "Pacific/Chatham",
  "Pacific/Kiritimati",
  "America/Nuuk",
];
const TIMES = ["00:00", "00:30", "01:59", "02:00", "02:30", "03:00", "12:00", "23:00", "23:59"];

/** The time functions over every zone above, two years of dates every 9 days, as one digest. */
export async function timeProbe(): Promise<string> {
  const lines: string[] = [];
  const window = { pastDays: 14, futureDays: 300, refreshSeconds: 3600 };
  for (const zone of ZONES) {
    for (let date = "2026-01-01"; date < "2028-01-01"; date = addDays(date, 9)) {
      for (const time of TIMES) {
        const r = resolveLocalTime(date, time, zone);
        lines.push(`${zone} ${date} ${time} ${r.epochMs} ${r.offsetMinutes} ${r.local} ${r.kind}`);
      }
      const noon = Date.parse(`${date}T12:00:00Z`);
      const w = windowFor(zone, noon, window);
      lines.push(`${zone} ${localDateOf(noon, zone)} ${offsetAt(noon, zone)} ${w.from} ${w.to}`);
    }
    lines.push(buildVtimezone(zone, 2026, 2028));
  }
  for (let s = 1_700_000_000; s < 1_900_000_000; s += 7_777_777) {
    const text = formatHttpDate(s);
    lines.push(`${text} ${parseHttpDate(text, s)}`);
  }
  return sha256Hex(new TextEncoder().encode(lines.join("\n")));
}

/** Digests of the named golden cases (all by default), rendered in this process. */
export async function caseDigests(names?: readonly string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const c of RENDER_CASES) {
    if (names && names.length > 0 && !names.includes(c.name)) continue;
    out[c.name] = await digestFeeds(await renderCase(c));
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const report = {
    zone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    offsets: [new Date(Date.UTC(2027, 0, 15)), new Date(Date.UTC(2027, 6, 15))].map((d) =>
      d.getTimezoneOffset(),
    ),
    cases: await caseDigests(process.argv.slice(2)),
    probe: await timeProbe(),
  };
  console.log(JSON.stringify(report));
}
