/**
 * Step 3: the servers shiftfeed is compared with — nginx serving a mirror of shiftfeed's own feed bytes, the
 * render-per-request baseline on the data set's first schedules, each with the targets it validates, and Node's own
 * ceiling for a `304` (`baselines/node-constant.ts`: `node:http` answering a constant `304`, for the `304` rows).
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

/**
 * Starts the constant-`304` Node server on as many threads as shiftfeed serves with; it answers shiftfeed's own
 * paths (any path gets the same `304`).
 */
export async function startNodeConstant(
  ctx: BenchContext,
  threads: number,
  targets: readonly FeedTarget[],
): Promise<Compared> {
  const port = await freePort();
  const child = startChild(
    process.execPath,
    ["bench/baselines/node-constant.ts", String(port), String(threads)],
    {
      cwd: REPO_ROOT,
      logFile: join(ctx.workDir, "node-constant.log"),
    },
  );
  ctx.stops.push(() => stopChild(child));
  const url = `http://127.0.0.1:${port}`;
  await waitUntilServing(`${url}/healthz`, child, { status: 304 });
  return { served: servedTargets(ctx, "node-constant", url, targets), pid: child.pid };
}
