/**
 * `shiftfeed generate`: a deterministic synthetic data set (one snapshot file per schedule) for trying the service
 * at scale or load-testing it: the bench's generator, with a progress bar. Offline.
 */
import { defaultFixtureDir, writeFixtures } from "../fixtures/generate.ts";
import { LAYOUTS, type FixtureOptions } from "../fixtures/plan.ts";
import { choiceOption, dateOption, numberOption } from "../options.ts";
import { output, type GlobalOptions } from "../context.ts";
import { progressBar } from "../progress.ts";

export interface GenerateOptions extends GlobalOptions {
  people?: string;
  layout?: string;
  seed?: string;
  today?: string;
  out?: string;
}

export function generate(options: GenerateOptions): void {
  const fixtures: FixtureOptions = {
    people: numberOption(options.people, "people", 5000, { min: 1 }),
    layout: choiceOption(options.layout, "layout", LAYOUTS, "one-org"),
    seed: numberOption(options.seed, "seed", 1),
    today: dateOption(options.today, "today"),
  };
  const dir = options.out ?? defaultFixtureDir(fixtures, process.cwd());
  const bar = progressBar("schedules", !!options.json);
  const summary = writeFixtures(fixtures, dir, (done, total) => bar.update(done, total, "writing"));
  bar.stop();
  output(
    options,
    { dir, ...summary },
    () =>
      `${summary.people} people, ${summary.orgs} organizations, ${summary.schedules} schedules, ` +
      `${summary.assignments} assignments, ${(summary.bytes / 2 ** 20).toFixed(1)} MiB → ${dir}\n` +
      `publish them with: shiftfeed publish ${dir}`,
  );
}
