/**
 * Step 2: shiftfeed started on an empty data dir, the data set published into it over HTTP, then restarted on
 * the filled data dir (the start-up time that matters in production).
 */
import { join } from "node:path";
import { createAdminClient, type AdminClient } from "../lib/admin-client.ts";
import { freePort, sampleRss, treeRssBytes } from "../lib/processes.ts";
import { createProgress } from "../lib/progress.ts";
import { describePublish, publishDirectory, type PublishSummary } from "../lib/publisher.ts";
import { secs } from "../lib/report.ts";
import { startShiftfeed, type ShiftfeedServer } from "../lib/server-process.ts";
import { BENCH_SECRETS, type BenchContext } from "./context.ts";

/** The running server and what its setup measured. */
export interface ShiftfeedSetup {
  server: ShiftfeedServer;
  admin: AdminClient;
  dataDir: string;
  /** Spawn → `/healthz` 200 on the empty data dir, in seconds. */
  emptyStartupSeconds: number;
  published: PublishSummary;
  publishPeakRss: number;
  /** RSS right after the restart on the filled data dir. */
  idleRss: number;
}

/** Starts, fills and restarts shiftfeed; registers its stop with the context. */
export async function setUpShiftfeed(ctx: BenchContext): Promise<ShiftfeedSetup> {
  const o = ctx.options;
  const dataDir = join(ctx.workDir, "data");
  const env: Record<string, string> = o.cacheMb === null ? {} : { CACHE_MB: String(o.cacheMb) };
  const settings = {
    ...BENCH_SECRETS,
    dataDir,
    env,
    logFile: join(ctx.workDir, "shiftfeed.log"),
    port: await freePort(),
  };
  let server = await startShiftfeed(settings);
  ctx.stops.push(() => server.stop());
  const emptyStartupSeconds = server.startupSeconds;

  const progress = createProgress("publish");
  const rss = sampleRss(server.child.pid);
  const published = await publishDirectory({
    url: server.url,
    token: BENCH_SECRETS.adminToken,
    dir: ctx.fixtureDir,
    concurrency: o.publishConcurrency,
    onProgress: (s, done, total) => progress.update(`${done}/${total} files, ${describePublish(s)}`),
    onRetry: (what, s) => progress.update(`503 on ${what}: retrying in ${s} s`, true),
  });
  progress.done();
  const publishPeakRss = rss.stop().peak;
  if (published.failures.length > 0) {
    const first = published.failures[0]!;
    throw new Error(
      `${published.failures.length} snapshots refused, first ${first.file}: HTTP ${first.status} ${first.body}`,
    );
  }

  await server.stop();
  server = await startShiftfeed(settings);
  ctx.log(`restarted on the filled data dir in ${secs(server.startupSeconds)}`);
  const admin = createAdminClient({
    url: server.url,
    token: BENCH_SECRETS.adminToken,
    onRetry: (what, s) => ctx.log(`503 on ${what}: retrying in ${s} s`),
  });
  return {
    server,
    admin,
    dataDir,
    emptyStartupSeconds,
    published,
    publishPeakRss,
    idleRss: treeRssBytes(server.child.pid),
  };
}
