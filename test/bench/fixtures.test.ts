// The synthetic data set behind `npm run bench` and `npm run fixtures:generate`: deterministic to the byte,
// valid by the service's own rules, and shaped like the real thing (about 100 shifts a person in the feed
// window, people in two schedules, several zones).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FIXTURE_MARKER, readFixtureSummary, writeFixtures } from "../../src/cli/fixtures/generate.ts";
import { planFixtures, schedulesOf, type FixtureOptions } from "../../src/cli/fixtures/plan.ts";
import { validateSnapshot } from "../../src/core/snapshot/validate.ts";
import type { Snapshot } from "../../src/core/snapshot/types.ts";
import { addDays } from "../../src/core/time/local-time.ts";

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "shiftfeed-fixtures-test-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const options: FixtureOptions = { people: 420, layout: "many-orgs", seed: 7, today: "2027-01-15" };
const files = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".json"));
const read = (dir: string, f: string) => readFileSync(join(dir, f));

describe("fixtures", () => {
  const first = tempDir();
  const summary = writeFixtures(options, first);

  it("writes byte-identical files for the same options, and other bytes for another seed", () => {
    const again = tempDir();
    writeFixtures(options, again);
    expect(files(again)).toEqual(files(first));
    for (const f of files(first)) expect(read(again, f).equals(read(first, f)), f).toBe(true);

    const other = tempDir();
    writeFixtures({ ...options, seed: 8 }, other);
    expect(files(other).some((f) => !read(other, f).equals(read(first, f)))).toBe(true);
  });

  it("writes one valid snapshot per schedule, named <org>--<schedule>.json", () => {
    expect(files(first)).toHaveLength(summary.schedules);
    for (const f of files(first)) {
      const [org, schedule] = f.replace(/\.json$/, "").split("--");
      const result = validateSnapshot(JSON.parse(read(first, f).toString("utf8")), {
        org: org!,
        schedule: schedule!,
      });
      expect(result.ok ? [] : result.details, f).toEqual([]);
    }
    expect(readFixtureSummary(first)).toMatchObject({ complete: true, people: 420, options });
  });

  it("gives each person about 100 assignments in the default window, some people two schedules, several zones", () => {
    const from = addDays(options.today, -14);
    const to = addDays(options.today, 300);
    const perPerson = new Map<string, number>();
    const schedulesPerPerson = new Map<string, Set<string>>();
    const zones = new Set<string>();
    for (const f of files(first)) {
      const s = JSON.parse(read(first, f).toString("utf8")) as Snapshot;
      zones.add(s.schedule.timezone);
      for (const a of s.assignments) {
        const key = `${s.organization.id}/${a.personId}`;
        schedulesPerPerson.set(key, (schedulesPerPerson.get(key) ?? new Set()).add(s.schedule.id));
        if ((a.endDate ?? a.date) >= from && a.date <= to) perPerson.set(key, (perPerson.get(key) ?? 0) + 1);
      }
    }
    const counts = [...perPerson.values()];
    expect(perPerson.size).toBe(420);
    expect(counts.reduce((a, b) => a + b, 0) / counts.length).toBeGreaterThan(90);
    expect(counts.reduce((a, b) => a + b, 0) / counts.length).toBeLessThan(110);
    expect([...schedulesPerPerson.values()].filter((s) => s.size === 2).length).toBeGreaterThan(0);
    expect(zones.size).toBeGreaterThan(1);
  });

  it("plans ~1,700 schedules of ~60 people for 100,000 people in one organization, 500 hospitals otherwise", () => {
    const oneOrg = planFixtures({ ...options, people: 100_000, layout: "one-org" });
    expect(oneOrg).toHaveLength(1);
    expect(oneOrg[0]!.schedules.length).toBeGreaterThan(1600);
    expect(oneOrg[0]!.schedules.length).toBeLessThan(1800);
    const manyOrgs = planFixtures({ ...options, people: 100_000, layout: "many-orgs" });
    expect(manyOrgs).toHaveLength(500);
    expect(schedulesOf(manyOrgs).reduce((n, s) => n + s.size, 0)).toBe(100_000);
  });

  it("refuses to write into a folder it did not generate", () => {
    const foreign = tempDir();
    writeFixtures({ ...options, people: 10 }, foreign);
    rmSync(join(foreign, FIXTURE_MARKER));
    expect(() => writeFixtures({ ...options, people: 10 }, foreign)).toThrow(/not generated here/);
  });
});
