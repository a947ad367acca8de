/**
 * Step 1: the data set, generated into `bench/.data/…` unless a finished one with the same options is there.
 */
import {
  defaultFixtureDir,
  readFixtureSummary,
  writeFixtures,
  type FixtureSummary,
} from "../../src/cli/fixtures/generate.ts";
import type { FixtureOptions } from "../../src/cli/fixtures/plan.ts";
import { fileURLToPath } from "node:url";
import { createProgress } from "../lib/progress.ts";
import { count, mib, secs, type Section } from "../lib/report.ts";

/** The bench's data sets: `bench/.data/` (git-ignored). */
const BENCH_DATA = fileURLToPath(new URL("../.data/", import.meta.url));

/** The data set's folder (`dir`, or the default one) and summary, and its section of the report. */
export function prepareDataSet(
  options: FixtureOptions,
  dir = defaultFixtureDir(options, BENCH_DATA),
): { dir: string; summary: FixtureSummary; section: Section } {
  let summary = readFixtureSummary(dir);
  let generated = "reused from an earlier run";
  if (!summary || JSON.stringify(summary.options) !== JSON.stringify(options)) {
    const progress = createProgress("generate");
    const started = performance.now();
    summary = writeFixtures(options, dir, (done, total) => progress.update(`${done}/${total} schedules`));
    progress.done();
    generated = secs((performance.now() - started) / 1000);
  }
  const section: Section = {
    title: "Data set",
    rows: [
      [
        "people",
        `${count(summary.people)} (${options.layout}, seed ${options.seed}, around ${options.today})`,
      ],
      ["organizations / schedules", `${count(summary.orgs)} / ${count(summary.schedules)}`],
      [
        "assignments",
        `${count(summary.assignments)} (${(summary.assignments / summary.people).toFixed(0)} a person)`,
      ],
      ["snapshot files", mib(summary.bytes)],
      ["generation", generated],
    ],
  };
  return { dir, summary, section };
}
