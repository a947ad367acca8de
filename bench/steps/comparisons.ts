/**
 * Step 3: the two servers shiftfeed is compared with — nginx serving a mirror of shiftfeed's own feed bytes,
 * and the render-per-request baseline on the data set's first schedules — each with the targets it validates.
 */
import { join } from "node:path";
import { snapshotFileName } from "../../src/cli/fixtures/generate.ts";
import { personId } from "../../src/cli/fixtures/people.ts";
import { planFixtures, schedulesOf } from "../../src/cli/fixtures/plan.ts";
import { probe } from "../lib/load.ts";
import { mirrorFeeds, startNginx, type Mirror } from "../lib/nginx.ts";
import { mapLimit } from "../../src/cli/pool.ts";
import { freePort, startChild, stopChild, waitUntilServing } from "../lib/processes.ts";
import { createProgress } from "../lib/progress.ts";
import type { FeedTarget } from "../lib/request-kinds.ts";
import { REPO_ROOT } from "../lib/server-process.ts";
import type { ServedTargets } from "../lib/serving.ts";
import { writePathList } from "../lib/wrk.ts";
import type { BenchContext } from "./context.ts";

/** A compared server: where it listens, what to request, and the pid whose memory to watch. */
export interface Compared {
  served: ServedTargets;
  pid: number;
}

/** Writes `targets` as `<workDir>/<name>.paths` and answers them as served by `url`. */
export function servedTargets(
  ctx: BenchContext,
  name: string,
  url: string,
  targets: readonly FeedTarget[],
): ServedTargets {
  const pathFile = join(ctx.workDir, `${name}.paths`);
  writePathList(pathFile, targets);
  return { url, targets, pathFile };
}

/** Mirrors shiftfeed's feeds and starts nginx on them. */
export async function startNginxMirror(
  ctx: BenchContext,
  shiftfeedUrl: string,
  targets: readonly FeedTarget[],
): Promise<Compared & { mirror: Mirror }> {
  const root = join(ctx.workDir, "nginx-root");
  const progress = createProgress("mirror feeds for nginx");
  const mirror = await mirrorFeeds(shiftfeedUrl, targets, root, (done) =>
    progress.update(`${done}/${targets.length}`),
  );
  progress.done();
  const nginx = await startNginx(join(ctx.workDir, "nginx"), root, await freePort());
  ctx.stops.push(() => nginx.stop());
  return { served: servedTargets(ctx, "nginx", nginx.url, mirror.targets), pid: nginx.child.pid, mirror };
}

/** Starts render-per-request on the first `--baseline-schedules` schedules; fetches each feed once for its validators. */
export async function startBaseline(ctx: BenchContext): Promise<Compared & { schedules: number }> {
  const schedules = schedulesOf(planFixtures(ctx.options.fixtures)).slice(0, ctx.options.baselineSchedules);
  const files = schedules.map((s) => join(ctx.fixtureDir, snapshotFileName(s.org.id, s.id)));
  ctx.log(`starting render-per-request on ${schedules.length} schedules`);
  const port = await freePort();
  const child = startChild(
    process.execPath,
    ["bench/baselines/render-per-request.ts", String(port), ...files],
    {
      cwd: REPO_ROOT,
      logFile: join(ctx.workDir, "baseline.log"),
    },
  );
  ctx.stops.push(() => stopChild(child));
  const url = `http://127.0.0.1:${port}`;
  await waitUntilServing(`${url}/healthz`, child);
  const paths = schedules.flatMap((s) =>
    Array.from({ length: s.size }, (_, i) => `/feeds/${s.org.id}--${personId(s.first + i)}.ics`),
  );
  const targets = await mapLimit(paths, 2, async (path): Promise<FeedTarget> => {
    const res = await probe(url, path, {});
    if (res.status !== 200) throw new Error(`render-per-request ${path}: HTTP ${res.status}`);
    return { path, etag: String(res.headers.etag), lastModified: String(res.headers["last-modified"]) };
  });
  return {
    served: servedTargets(ctx, "baseline", url, targets),
    pid: child.pid,
    schedules: schedules.length,
  };
}
