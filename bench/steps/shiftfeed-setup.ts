/**
 * Step 2: shiftfeed started on an empty data dir, the data set published into it over HTTP, then restarted on
 * the filled data dir (the start-up time that matters in production).
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { lookUpFeeds, peopleOfFixtures } from "../lib/feed-list.ts";
import { mapLimit } from "../../src/cli/pool.ts";
import { createAdminClient, type AdminClient } from "../../src/cli/admin-client.ts";
import { freePort, sampleRss, treeRssBytes } from "../lib/processes.ts";
import { createProgress } from "../lib/progress.ts";
import {
  describeFailure,
  describePublish,
  publishDirectory,
  type PublishSummary,
} from "../../src/cli/publisher.ts";
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
  /** Feeds sampled before the restart, and how many answered other bytes or validators after it. */
  restart: { sampled: number; changed: number };
}

/** What a client sees of a feed: its validators and a digest of its gzip bytes. */
async function seen(url: string, path: string): Promise<string> {
  const reply = await fetch(url + path, { headers: { "accept-encoding": "gzip" } });
  const digest = createHash("sha256")
    .update(new Uint8Array(await reply.arrayBuffer()))
    .digest("hex");
  return `${reply.status} ${reply.headers.get("etag")} ${reply.headers.get("last-modified")} ${digest}`;
}

/** Up to `n` people spread evenly over the data set. */
function sample<T>(all: readonly T[], n: number): T[] {
  const step = Math.max(1, Math.floor(all.length / n));
  return all.filter((_, i) => i % step === 0).slice(0, n);
}

/** Starts, fills and restarts shiftfeed; registers its stop with the context. */
export async function setUpShiftfeed(ctx: BenchContext): Promise<ShiftfeedSetup> {
  const o = ctx.options;
  const dataDir = join(ctx.workDir, "data");
  // The bench measures capacity from one address with one token per connection at full speed: per-client limits
  // and load shedding would refuse it by design, so they are off here (`npm run loadtest` measures them).
  const env: Record<string, string> = {
    CLIENT_LIMITS: "off",
    MAX_INFLIGHT: "100000",
    ...(o.cacheMb === null ? {} : { CACHE_MB: String(o.cacheMb) }),
  };
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
    throw new Error(`${published.failures.length} snapshots not published, first ${describeFailure(first)}`);
  }

  // A restart must serve the same bytes and validators: a sample of feeds is read before and after it.
  const before = createAdminClient({ url: server.url, token: BENCH_SECRETS.adminToken });
  const targets = await lookUpFeeds(before, sample(peopleOfFixtures(o.fixtures), 1000));
  const seenBefore = await mapLimit(targets, 8, (t) => seen(server.url, t.path));

  await server.stop();
  server = await startShiftfeed(settings);
  ctx.log(`restarted on the filled data dir in ${secs(server.startupSeconds)}`);
  const idleRss = treeRssBytes(server.child.pid);
  const seenAfter = await mapLimit(targets, 8, (t) => seen(server.url, t.path));
  const changed = seenAfter.filter((s, i) => s !== seenBefore[i]).length;
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
    idleRss,
    restart: { sampled: targets.length, changed },
  };
}
