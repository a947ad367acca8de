/**
 * `npm run bench` options: the data set, the load, which servers to measure, and where results go.
 */
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { LAYOUTS, type FixtureOptions } from "../src/cli/fixtures/plan.ts";
import { choiceOption, dateOption, numberOption } from "../src/cli/options.ts";

export const USAGE = `usage: npm run bench -- [options]
Data
  --people N               distinct people (default 5000; 100000 for the real figures)
  --layout L               one-org | many-orgs (default one-org)
  --seed N                 fixture seed (default 1)
  --today D                YYYY-MM-DD the fixtures are placed around (default: today, UTC)
  --data DIR               where the fixtures are generated or reused
                           (default bench/.data/<layout>-<people>-seed<seed>-<today>/)
Load
  --duration S             seconds per measurement (default 10)
  --warmup S               seconds of warm-up before each (default 2; 0 for none)
  --connections N          open connections (default 64)
  --threads N              load generator threads, wrk only (default min(2, CPUs))
  --load wrk|autocannon    load generator (default wrk, autocannon when wrk is absent)
Servers
  --publish-concurrency N  snapshots in flight while publishing (default 4)
  --cache-mb N             shiftfeed's CACHE_MB (default: the server's default)
  --baseline-schedules N   schedules the render-per-request baseline loads (default 10)
  --no-nginx               skip nginx
  --no-baseline            skip render-per-request
  --no-node-constant       skip Node's constant-304 server (the 304 rows' Node ceiling)
  --skip-regenerate        skip the full regeneration
  --regenerate-timeout S   stop waiting for the regeneration after S seconds (default 600)
Output
  --results FILE           Markdown results (default docs/benchmarks/results.md)
  --work-dir DIR           data dir, logs, nginx root (default: a new temp dir, removed at the end)
  --keep                   keep the work dir`;

/** Everything a bench run is told. */
export interface BenchOptions {
  fixtures: FixtureOptions;
  /** Where the fixtures are generated or reused; null: `defaultFixtureDir(fixtures, bench/.data)`. */
  dataDir: string | null;
  seconds: number;
  warmupSeconds: number;
  connections: number;
  threads: number;
  load: "wrk" | "autocannon";
  publishConcurrency: number;
  cacheMb: number | null;
  baselineSchedules: number;
  nginx: boolean;
  baseline: boolean;
  nodeConstant: boolean;
  regenerate: boolean;
  /** Longest wait for the full regeneration, in seconds. */
  regenerateTimeout: number;
  resultsFile: string;
  workDir: string | null;
  keep: boolean;
}

/** Parses `argv` (without node and the script). @throws UsageError */
export function parseBenchOptions(argv: string[]): BenchOptions {
  const str = { type: "string" } as const;
  const flag = { type: "boolean" } as const;
  const { values: v } = parseArgs({
    args: argv,
    options: {
      people: str,
      layout: str,
      seed: str,
      today: str,
      data: str,
      duration: str,
      warmup: str,
      connections: str,
      threads: str,
      load: str,
      "publish-concurrency": str,
      "cache-mb": str,
      "baseline-schedules": str,
      "no-nginx": flag,
      "no-baseline": flag,
      "no-node-constant": flag,
      "skip-regenerate": flag,
      "regenerate-timeout": str,
      results: str,
      "work-dir": str,
      keep: flag,
    },
  });
  return {
    fixtures: {
      people: numberOption(v.people, "people", 5000, { min: 1 }),
      layout: choiceOption(v.layout, "layout", LAYOUTS, "one-org"),
      seed: numberOption(v.seed, "seed", 1),
      today: dateOption(v.today, "today"),
    },
    dataDir: v.data ?? null,
    seconds: numberOption(v.duration, "duration", 10, { min: 1 }),
    warmupSeconds: numberOption(v.warmup, "warmup", 2),
    connections: numberOption(v.connections, "connections", 64, { min: 1 }),
    threads: numberOption(v.threads, "threads", Math.min(2, availableParallelism()), { min: 1 }),
    load: choiceOption(v.load, "load", ["wrk", "autocannon"] as const, "wrk"),
    publishConcurrency: numberOption(v["publish-concurrency"], "publish-concurrency", 4, { min: 1 }),
    cacheMb: v["cache-mb"] === undefined ? null : numberOption(v["cache-mb"], "cache-mb", 64, { min: 1 }),
    baselineSchedules: numberOption(v["baseline-schedules"], "baseline-schedules", 10, { min: 1 }),
    nginx: !v["no-nginx"],
    baseline: !v["no-baseline"],
    nodeConstant: !v["no-node-constant"],
    regenerate: !v["skip-regenerate"],
    regenerateTimeout: numberOption(v["regenerate-timeout"], "regenerate-timeout", 600, { min: 1 }),
    resultsFile: v.results ?? fileURLToPath(new URL("../docs/benchmarks/results.md", import.meta.url)),
    workDir: v["work-dir"] ?? null,
    keep: v.keep ?? false,
  };
}
