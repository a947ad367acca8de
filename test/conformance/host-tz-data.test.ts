// Feeds follow the newest tz data the host has. Debian's tzdata 2026f keeps Havana on -04 after 2026-11-01 (and
// through 2027-11-07), while Node 24.21's ICU carries 2026c, which returns it to -05: a Havana hospital's shifts,
// served by the real Node server, must read — through the feed's own VTIMEZONE (libical, as Outlook does; ical.js)
// — at the oracle's instants (Python zoneinfo on the system tzdata), and `/healthz` and `/metrics` must say which
// tz data is in use.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  differences,
  readWithIcalJs,
  readWithLibical,
  serveFixtures,
  skipWithout,
  type ServedFeed,
} from "../support/parsers.ts";
import { startHarness, type Harness } from "../support/server.ts";

const FILES = ["fixtures/tz/havana-2026.json"];
const NOW = "2026-10-25T12:00:00Z";
/** The system zoneinfo's release, read here without shiftfeed's code. */
const SYSTEM = /^# version (\S+)/.exec(readFileSync("/usr/share/zoneinfo/tzdata.zi", "utf8"))?.[1];
const RUNTIME = process.versions.tz ?? "unknown";

describe.skipIf(skipWithout("the Havana feed against the oracle", ["python3", "libical"]))(
  "a Havana schedule across Cuba's 2026 rule change, served over HTTP",
  () => {
    let harness: Harness;
    let feeds: ServedFeed[] = [];

    beforeAll(async () => {
      harness = await startHarness({ now: Date.parse(NOW) });
      feeds = await serveFixtures(harness, FILES, NOW);
    }, 120_000);
    afterAll(() => harness?.close());

    it("the host's tz data is 2026f or later, newer than the runtime's (the case this file is about)", () => {
      expect(SYSTEM! >= "2026f", `system tzdata ${SYSTEM}`).toBe(true);
      expect(RUNTIME < SYSTEM!, `runtime ${RUNTIME} older than system ${SYSTEM}`).toBe(true);
      const december = feeds
        .find((f) => f.kind === "schedule")!
        .expected.find((e) => e.uid.startsWith("hav-dec-day-2"));
      expect(december?.start).toBe("2026-12-15T12:00:00Z"); // 08:00 at -04
    });

    it("libical (the feed's own VTIMEZONE, as Outlook) reads every shift at the oracle's instants", async () => {
      expect(feeds).toHaveLength(4);
      const problems = [];
      for (const f of feeds) problems.push(...differences(f.name, await readWithLibical(f.text), f.expected));
      expect(problems).toEqual([]);
    });

    it("ical.js (the feed's own VTIMEZONE) reads every shift at the oracle's instants", async () => {
      const problems = [];
      for (const f of feeds) problems.push(...differences(f.name, await readWithIcalJs(f.text), f.expected));
      expect(problems).toEqual([]);
    });

    it("/healthz and /metrics name the tz data in use: the system's, and the runtime's own release", async () => {
      const health = await harness.admin("GET", "/healthz");
      expect(health.status).toBe(200);
      expect((health.json as { tz: unknown }).tz).toEqual({
        source: "system",
        version: SYSTEM,
        runtime: RUNTIME,
      });
      const metrics = (await harness.admin("GET", "/metrics")).text;
      expect(metrics).toContain(
        `shiftfeed_tz_data{source="system",version="${SYSTEM}",runtime="${RUNTIME}"} 1`,
      );
    });
  },
);
