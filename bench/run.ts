/**
 * `npm run bench`: shiftfeed measured from outside, beside nginx serving the same bytes, a render-per-request
 * baseline and (for `304`s) a constant-`304` Node server, in one run on one machine; prints the table and writes docs/benchmarks/results.md. See docs/benchmarks.md.
 *
 * 1. Generate (or reuse) a deterministic data set of `--people` in `--layout`.
 * 2. Start shiftfeed on an empty data dir, publish the data set over HTTP, restart it on the filled data dir.
 * 3. Look every person's feed up; mirror the feeds' bytes for nginx; start the baseline on a few schedules and
 *    the constant-`304` Node server.
 * 4. For each request kind, load each server with wrk (or autocannon) for a fixed duration.
 * 5. Regenerate every feed, then publish one moved shift; measure disk use and memory throughout.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { snapshotFileName } from "../src/cli/fixtures/generate.ts";
import { planFixtures, schedulesOf } from "../src/cli/fixtures/plan.ts";
import { parseBenchOptions, USAGE } from "./options.ts";
import { runCli } from "../src/cli/options.ts";
import { diskUsage } from "./lib/disk-usage.ts";
import { lookUpFeeds, peopleOfFixtures } from "./lib/feed-list.ts";
import { chooseLoadGenerator } from "./lib/load.ts";
import { machineInfo } from "./lib/machine.ts";
import { nginxVersion } from "./lib/nginx.ts";
import { sampleRss } from "./lib/processes.ts";
import { createProgress } from "./lib/progress.ts";
import { measureIncrementalPublish, measureRegeneration } from "./lib/publish-figures.ts";
import { describePublish } from "../src/cli/publisher.ts";
import {
  count,
  formatMarkdown,
  formatText,
  mib,
  secs,
  type BenchReport,
  type Section,
} from "./lib/report.ts";
import { measureServing } from "./lib/serving.ts";
import { servedTargets, startBaseline, startNginxMirror, startNodeConstant } from "./steps/comparisons.ts";
import type { BenchContext } from "./steps/context.ts";
import { prepareDataSet } from "./steps/data-set.ts";
import { setUpShiftfeed } from "./steps/shiftfeed-setup.ts";

type Row = [string, string];

async function bench(ctx: BenchContext, data: ReturnType<typeof prepareDataSet>): Promise<BenchReport> {
  const o = ctx.options;
  const sf = await setUpShiftfeed(ctx);
  const disk = diskUsage(sf.dataDir);

  const progress = createProgress("look up feeds");
  const people = peopleOfFixtures(o.fixtures);
  const targets = await lookUpFeeds(sf.admin, people, (done) => progress.update(`${done}/${people.length}`));
  progress.done();
  const nginxVersionLine = o.nginx ? await nginxVersion() : null;
  if (o.nginx && !nginxVersionLine)
    ctx.notes.push("nginx is not installed (apt-get install nginx): no nginx column.");
  const nginx = nginxVersionLine ? await startNginxMirror(ctx, sf.server.url, targets) : null;
  const baseline = o.baseline ? await startBaseline(ctx) : null;
  // Node's own ceiling for a `304`, on as many threads as shiftfeed serves with.
  const serveThreads = Number(process.env["SERVE_THREADS"]) || availableParallelism();
  const constant = o.nodeConstant ? await startNodeConstant(ctx, serveThreads, targets) : null;

  const generator = await chooseLoadGenerator(ctx.workDir, o.load);
  if (generator.note) ctx.notes.push(generator.note);
  ctx.log(
    `load: ${generator.version}, ${o.connections} connections, ${o.seconds} s each after ${o.warmupSeconds} s warm-up`,
  );
  const rss = [sf.server.child.pid, nginx?.pid, baseline?.pid].map((pid) => (pid ? sampleRss(pid) : null));
  const serving = await measureServing(
    generator,
    {
      shiftfeed: servedTargets(ctx, "shiftfeed", sf.server.url, targets),
      nginx: nginx?.served ?? null,
      baseline: baseline?.served ?? null,
      constant: constant?.served ?? null,
    },
    o,
    ctx.log,
  );
  const [servingRss, nginxRss, baselineRss] = rss.map((r) => r?.stop() ?? null);

  const publishing: Row[] = [
    [`first publish, ${o.publishConcurrency} in flight`, describePublish(sf.published)],
    ["  assignments a second", count(data.summary.assignments / sf.published.seconds)],
  ];
  const memory: Row[] = [
    ["start-up, empty data dir (spawn → /healthz 200)", secs(sf.emptyStartupSeconds)],
    ["start-up, filled data dir", secs(sf.server.startupSeconds)],
    [
      "  sampled feeds with the same bytes and validators after it",
      `${count(sf.restart.sampled - sf.restart.changed)} of ${count(sf.restart.sampled)}`,
    ],
    ["shiftfeed RSS: peak while publishing", mib(sf.publishPeakRss)],
    ["shiftfeed RSS: idle after restart", mib(sf.idleRss)],
    ["shiftfeed RSS: peak while serving / after", `${mib(servingRss!.peak)} / ${mib(servingRss!.last)}`],
  ];
  let regenerating = false;
  // A regeneration re-derives every feed from its schedule (expanding, fingerprinting, repairing); a forced
  // one also renders every event again.
  for (const force of o.regenerate ? [false, true] : []) {
    if (regenerating) break;
    const label = force ? "forced regeneration ({ force: true })" : "full regeneration";
    const progress = createProgress(force ? "regenerate --force" : "regenerate");
    const regenRss = sampleRss(sf.server.child.pid);
    const regen = await measureRegeneration(
      sf.admin,
      o.regenerateTimeout,
      (j) => progress.update(`${j.state} ${j.done}/${j.total}`),
      force,
    );
    progress.done();
    const { job } = regen;
    regenerating = job.state === "queued" || job.state === "running";
    publishing.push([
      `${label} (POST /admin/regenerate → job done)`,
      regenerating
        ? `not done after ${secs(regen.seconds)}: ${count(job.done)} of ${count(job.total)} feeds ` +
          `(${(job.done / regen.seconds).toFixed(1)} a second)`
        : `${secs(regen.seconds)}: ${job.state}, ${count(job.total)} feeds, ${count(job.updated ?? 0)} changed`,
    ]);
    memory.push([`shiftfeed RSS: peak during the ${label}`, mib(regenRss.stop().peak)]);
  }
  if (regenerating) {
    // A publish of the organization would queue behind the regeneration: its time would not be its own.
    ctx.notes.push("The incremental publish was not measured: the regeneration was still running.");
  } else {
    const first = schedulesOf(planFixtures(o.fixtures))[0]!;
    const file = join(ctx.fixtureDir, snapshotFileName(first.org.id, first.id));
    // The first may start a render thread (none was running); the second, right after, finds it running.
    for (const hours of [1, 2]) {
      const inc = await measureIncrementalPublish(sf.admin, sf.server.url, file, o.fixtures.today, hours);
      const again = hours > 1 ? ", again right after (render thread running)" : "";
      publishing.push(
        [`incremental: one shift moved in ${inc.org}/${inc.schedule}${again}`, inc.change],
        [
          "  PUT answered",
          `${secs(inc.putSeconds)} (HTTP ${inc.status}, ${inc.feedsUpdated ?? "?"} feeds updated)`,
        ],
        ["  changed feed served with its new ETag", secs(inc.liveSeconds)],
      );
    }
  }
  if (nginxRss) memory.push(["nginx RSS (master + workers), peak", mib(nginxRss.peak)]);
  if (baselineRss) {
    memory.push([`render-per-request RSS, peak (${baseline!.schedules} schedules)`, mib(baselineRss.peak)]);
  }
  const storage: Row[] = [
    ["DATA_DIR on disk (allocated / file sizes)", `${mib(disk.allocatedBytes)} / ${mib(disk.bytes)}`],
    ["DATA_DIR files / folders", `${count(disk.files)} / ${count(disk.folders)}`],
    ["largest folder", `${count(disk.largestFolder.entries)} entries (${disk.largestFolder.path})`],
  ];
  if (nginx) {
    const { identityBytes, gzipBytes } = nginx.mirror;
    storage.push(
      [
        "person feed, average identity / gzip",
        `${count(identityBytes / targets.length)} / ${count(gzipBytes / targets.length)} bytes`,
      ],
      ["gzip ÷ identity", `${((gzipBytes / identityBytes) * 100).toFixed(1)} %`],
    );
  }
  const sections: Section[] = [
    data.section,
    { title: "Publishing over HTTP", rows: publishing },
    { title: "Start-up and memory", rows: memory },
    { title: "Storage", rows: storage },
  ];
  const f = o.fixtures;
  return {
    date: new Date().toISOString(),
    machine: machineInfo(),
    tools: [
      ["load generator", generator.version],
      ["nginx", nginxVersionLine ?? "not installed"],
    ],
    settings: [
      ["data", `--people ${f.people} --layout ${f.layout} --seed ${f.seed} --today ${f.today}`],
      [
        "load",
        `${generator.name}, ${o.connections} connections, ${generator.name === "wrk" ? `${o.threads} threads, ` : ""}` +
          `${o.seconds} s per measurement after ${o.warmupSeconds} s warm-up`,
      ],
      [
        "feeds cycled",
        `shiftfeed and nginx: ${count(targets.length)} person feeds; render-per-request: ` +
          `${count(baseline?.served.targets.length ?? 0)} (its first ${baseline?.schedules ?? 0} schedules)`,
      ],
      [
        "shiftfeed",
        `node src/node/main.ts, CACHE_MB ${o.cacheMb ?? "default"}, publish concurrency ${o.publishConcurrency}`,
      ],
    ],
    serving,
    sections,
    notes: ctx.notes,
  };
}

await runCli(USAGE, async () => {
  const options = parseBenchOptions(process.argv.slice(2));
  const workDir = options.workDir ?? mkdtempSync(join(tmpdir(), "shiftfeed-bench-"));
  mkdirSync(workDir, { recursive: true });
  const data = prepareDataSet(options.fixtures, options.dataDir ?? undefined);
  const ctx: BenchContext = {
    options,
    workDir,
    fixtureDir: data.dir,
    stops: [],
    notes: [],
    log: (line) => process.stderr.write(`[bench] ${line}\n`),
  };
  ctx.log(`data set: ${data.dir}; work dir: ${workDir}`);
  try {
    const report = await bench(ctx, data);
    console.log(formatText(report));
    writeFileSync(options.resultsFile, formatMarkdown(report));
    ctx.log(`wrote ${options.resultsFile}`);
  } finally {
    for (const stop of ctx.stops.reverse()) await stop().catch(() => {});
    if (options.keep || options.workDir) ctx.log(`work dir kept: ${workDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  }
});
