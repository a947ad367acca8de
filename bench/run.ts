/**
 * `npm run bench`: shiftfeed against baselines measured in the same run, reported as ratios.
 *
 * 1. Publishing: a full first publish, a one-assignment change (renders only affected feeds), and the
 *    baseline of rendering every feed again on that change.
 * 2. Serving over loopback HTTP, server and baseline each in their own process: precomputed 200 (gzip and
 *    identity) and conditional 304 against rendering on every request; a partner burst of distinct tokens.
 * 3. Memory (server RSS) and storage (compressed vs identity bytes).
 *
 * Environment: BENCH_SCALE (default 1) multiplies the hospital size; BENCH_REQUESTS requests per scenario.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sha256Hex } from "../src/core/digest.ts";
import { validateSnapshot } from "../src/core/snapshot/validate.ts";
import { FeedService } from "../src/core/publish/feed-service.ts";
import { createFeedTokens } from "../src/core/tokens.ts";
import { createMemoryStore } from "../src/store/memory.ts";
import { runLoad, type LoadResult } from "./load.ts";
import { makeHospital } from "./synthetic.ts";

const scale = Number(process.env.BENCH_SCALE ?? 1);
const total = Number(process.env.BENCH_REQUESTS ?? 4000);
const concurrency = 32;
const firstDate = new Date(Date.now() - 20 * 86_400_000).toISOString().slice(0, 10);
const spec = { org: "bench", schedules: 3, peoplePerSchedule: Math.round(150 * scale), days: 330, firstDate };
const snapshots = makeHospital(spec);
const assignments = snapshots.reduce((n, s) => n + s.assignments.length, 0);
const people = spec.schedules * spec.peoplePerSchedule;
const row = (label: string, value: string) => console.log(`${label.padEnd(58)} ${value}`);
const ms = (t: number) => `${t.toFixed(0)} ms`;

console.log(
  `shiftfeed bench — ${people} people, ${assignments} assignments, ${total} requests per HTTP scenario\n`,
);

// ---- 1. publishing ------------------------------------------------------------------------------------------
{
  const bodies = snapshots.map((s) => JSON.stringify(s));
  let t = performance.now();
  const parsed = bodies.map((b) => JSON.parse(b) as unknown);
  const parse = performance.now() - t;
  t = performance.now();
  for (const value of parsed)
    if (!validateSnapshot(value).ok) throw new Error("synthetic snapshot is invalid");
  const validate = performance.now() - t;
  console.log("Validation");
  row(`  validate ${assignments} assignments (every rule)`, ms(validate));
  row(
    "  baseline: JSON.parse of the same bodies",
    `${ms(parse)}  (validation costs ${(validate / parse).toFixed(1)}× a parse)`,
  );
  console.log();
}
{
  const tokens = await createFeedTokens(new Uint8Array(32).fill(7));
  const open = (eventCacheChars: number) =>
    FeedService.open({
      store: createMemoryStore(),
      tokens,
      clock: Date.now,
      settings: {
        pastDays: 14,
        futureDays: 300,
        refreshSeconds: 3600,
        cacheBytes: 64 << 20,
        eventCacheChars,
      },
    });
  const publishAll = async (service: FeedService) => {
    const t = performance.now();
    for (const s of snapshots) await service.publish(s, await sha256Hex(JSON.stringify(s)));
    return performance.now() - t;
  };
  // shiftfeed as configured by default (rendered events cached), then one changed assignment.
  const service = await open(64 << 20);
  const full = await publishAll(service);
  const changed = structuredClone(snapshots[0]!);
  changed.revision = 2;
  changed.assignments[10] = { ...changed.assignments[10]!, note: "Swapped with a colleague" };
  let t = performance.now();
  const result = await service.publish(changed, await sha256Hex(JSON.stringify(changed)));
  const incremental = performance.now() - t;
  // Baseline: a design that renders every feed from scratch on every change (no event cache, no diff).
  const baseline = await open(0);
  const fullUncached = await publishAll(baseline);
  t = performance.now();
  const forced = await baseline.refresh("bench", { force: true });
  const rerenderAll = performance.now() - t;
  console.log("Publishing");
  row(
    "  first publish, every feed rendered",
    `${ms(full)}  (${Math.round(assignments / (full / 1000))} assignments/s)`,
  );
  row("  first publish without the rendered-event cache", ms(fullUncached));
  row(`  one changed assignment (${result.feedsUpdated} feeds updated)`, ms(incremental));
  row(`  baseline: render all ${forced.rendered.length} feeds from scratch`, ms(rerenderAll));
  row("  ratio baseline / incremental", `${(rerenderAll / incremental).toFixed(1)}×`);
  row("  feeds whose bytes changed on the forced re-render", String(forced.updated.length));
  console.log();
}

// ---- 2. serving ---------------------------------------------------------------------------------------------
async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function start(args: string[], env: Record<string, string>, ready: RegExp): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (ready.test(out)) resolve(child);
    });
    child.on("exit", (code) => reject(new Error(`${args[0]} exited with ${code}`)));
  });
}

function rssMiB(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

const dir = mkdtempSync(join(tmpdir(), "shiftfeed-bench-"));
const snapshotFile = join(dir, "snapshots.json");
writeFileSync(snapshotFile, JSON.stringify(snapshots));
const admin = "bench-admin-token";
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const server = await start(
  ["src/node/main.ts"],
  { PORT: String(port), HOST: "127.0.0.1", DATA_DIR: join(dir, "data"), DEMO: "0", ADMIN_TOKEN: admin },
  /listening/,
);
const baselinePort = await freePort();
const baseline = await start(
  ["bench/baselines/render-per-request.ts", String(baselinePort), snapshotFile],
  {},
  /ready/,
);

try {
  const auth = { authorization: `Bearer ${admin}`, "content-type": "application/json" };
  const t = performance.now();
  for (const s of snapshots) {
    const res = await fetch(`${base}/admin/orgs/bench/schedules/${s.schedule.id}`, {
      method: "PUT",
      headers: auth,
      body: JSON.stringify(s),
    });
    if (!res.ok) throw new Error(`publish failed: ${res.status} ${await res.text()}`);
  }
  const publishHttp = performance.now() - t;
  const ids = snapshots.flatMap((s) => s.people.map((p) => p.id));
  const paths: string[] = [];
  const feedSizes = { identity: 0, lastModified: "" };
  for (const id of ids) {
    const info = (await (await fetch(`${base}/admin/orgs/bench/people/${id}`, { headers: auth })).json()) as {
      feed: { url: string; bytes: number; lastModified: string };
    };
    paths.push(new URL(info.feed.url).pathname.replace(/^.*\/feeds\//, "/feeds/"));
    feedSizes.identity += info.feed.bytes;
    feedSizes.lastModified = info.feed.lastModified;
  }
  const baselinePaths = ids.map((id) => `/feeds/${id}.ics`);

  const warm = async (b: string, reqs: { path: string; headers?: Record<string, string> }[]) =>
    runLoad(b, reqs, 300, concurrency);
  const scenario = async (b: string, reqs: { path: string; headers?: Record<string, string> }[]) => {
    await warm(b, reqs);
    return runLoad(b, reqs, total, concurrency);
  };
  const gzip = paths.map((path) => ({
    path,
    headers: { "accept-encoding": "gzip", "user-agent": "Microsoft Exchange/15.20" },
  }));
  const identity = paths.map((path) => ({ path, headers: { "user-agent": "Google-Calendar-Importer" } }));
  const apple = paths.map((path) => ({
    path,
    headers: {
      "if-modified-since": feedSizes.lastModified,
      "user-agent": "iOS/18.1 (22B83) dataaccessd/1.0",
    },
  }));

  const results: [string, LoadResult][] = [
    [
      "baseline: render on every request",
      await scenario(
        `http://127.0.0.1:${baselinePort}`,
        baselinePaths.map((path) => ({ path })),
      ),
    ],
    ["shiftfeed 200, gzip (Outlook-like)", await scenario(base, gzip)],
    ["shiftfeed 200, identity (Google: no Accept-Encoding)", await scenario(base, identity)],
    ["shiftfeed 304, If-Modified-Since (Apple)", await scenario(base, apple)],
  ];
  const burst = await runLoad(
    base,
    paths.slice(0, 400).map((path) => ({ path, headers: { "accept-encoding": "gzip" } })),
    Math.min(400, paths.length),
    100,
  );

  console.log(
    `Serving over loopback (${concurrency} connections, ${people} distinct feeds, avg ${(feedSizes.identity / ids.length / 1024).toFixed(1)} KiB identity)`,
  );
  row("  publish over HTTP (3 snapshots, first revision)", ms(publishHttp));
  const baseRate = results[0]![1].perSecond;
  for (const [label, r] of results) {
    const bad = Object.entries(r.statuses).filter(([s]) => s !== "200" && s !== "304");
    row(
      `  ${label}`,
      `${r.perSecond.toFixed(0).padStart(6)} req/s  p50 ${r.p50ms.toFixed(1)} ms  p99 ${r.p99ms.toFixed(1)} ms  ×${(r.perSecond / baseRate).toFixed(1)}${bad.length ? `  errors ${JSON.stringify(bad)}` : ""}`,
    );
  }
  row(
    `  partner burst: ${burst.requests} distinct feeds, 100 in flight`,
    `${ms(burst.seconds * 1000)} total, p99 ${burst.p99ms.toFixed(1)} ms`,
  );
  const gz = results[1]![1];
  console.log();
  console.log("Size and memory");
  row("  identity bytes of all person feeds", `${(feedSizes.identity / 1048576).toFixed(1)} MiB`);
  row(
    "  gzip bytes sent per feed vs identity",
    `${((gz.bytes / gz.requests / (feedSizes.identity / ids.length)) * 100).toFixed(1)} %`,
  );
  row(
    "  server RSS after the runs",
    `${rssMiB(server).toFixed(0)} MiB (baseline ${rssMiB(baseline).toFixed(0)} MiB)`,
  );
} finally {
  server.kill();
  baseline.kill();
  rmSync(dir, { recursive: true, force: true });
}
