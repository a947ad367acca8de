/**
 * `npm run fixtures:generate -- --people 100000 --layout one-org|many-orgs [--out DIR] [--seed N] [--today D]`:
 * writes a deterministic synthetic data set, one `shiftfeed.snapshot/1` file per schedule
 * (`<org>--<schedule>.json`), for benchmarks and load tests. See bench/fixtures/.
 */
import { parseArgs } from "node:util";
import { defaultFixtureDir, writeFixtures } from "../src/cli/fixtures/generate.ts";
import { LAYOUTS, type FixtureOptions } from "../src/cli/fixtures/plan.ts";
import { choiceOption, dateOption, numberOption, runCli } from "../src/cli/options.ts";

const USAGE = `usage: npm run fixtures:generate -- [options]
  --people N        distinct people (default 5000)
  --layout L        one-org (one health system, ~60-person schedules) or many-orgs (~200-person hospitals)
                    (default one-org)
  --seed N          varies names, rota offsets, leave and notes (default 1)
  --today D         YYYY-MM-DD the assignments are placed around (default: today, UTC)
  --out DIR         where to write (default bench/.data/<layout>-<people>-seed<seed>-<today>/)`;

await runCli(USAGE, () => {
  const { values } = parseArgs({
    options: {
      people: { type: "string" },
      layout: { type: "string" },
      seed: { type: "string" },
      today: { type: "string" },
      out: { type: "string" },
    },
  });
  const options: FixtureOptions = {
    people: numberOption(values.people, "people", 5000, { min: 1 }),
    layout: choiceOption(values.layout, "layout", LAYOUTS, "one-org"),
    seed: numberOption(values.seed, "seed", 1),
    today: dateOption(values.today, "today"),
  };
  const dir = values.out ?? defaultFixtureDir(options);
  const started = performance.now();
  const summary = writeFixtures(options, dir, (done, total) => {
    if (done % 100 === 0 || done === total) process.stderr.write(`\r${done}/${total} schedules`);
  });
  const seconds = (performance.now() - started) / 1000;
  process.stderr.write("\n");
  console.log(
    `${summary.people} people, ${summary.orgs} organizations, ${summary.schedules} schedules, ` +
      `${summary.assignments} assignments, ${(summary.bytes / 2 ** 20).toFixed(1)} MiB in ${seconds.toFixed(1)} s → ${dir}`,
  );
});
