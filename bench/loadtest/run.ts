/**
 * `npm run loadtest`: replays the 2021 storm against shiftfeed on 127.0.0.1, bounded in count and time (70 s of
 * load, about 40,000 requests). shiftfeed runs as `npm start` runs it, with its default limits; each class of
 * clients runs in a process of its own (`client.ts`): 200 ordinary subscribers with their real clients' headers,
 * a partner bursting 400 tokens every 10 s, one client hammering one feed, 1,000 clients retrying on errors
 * without jitter, and a slowloris — while a large schedule is published and every feed is regenerated. Prints the
 * figures and writes `bench/LOADTEST.md` with `bench/loadtest-latency.svg`; exits 1 when a target is missed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createAdminClient, type FeedInfo } from "../lib/admin-client.ts";
import { machineInfo } from "../lib/machine.ts";
import { startChild, stopChild, type Child } from "../lib/processes.ts";
import { REPO_ROOT, startShiftfeed } from "../lib/server-process.ts";
import { LARGE, PEOPLE_PER_ORG, snapshotOf } from "./data.ts";
import {
  CLASSES,
  HAMMER,
  PARTNER,
  RETRY,
  SLOWLORIS,
  SUBSCRIBERS,
  TIMELINE,
  type ClientClass,
  type ClientJob,
  type ClientKind,
  type Sample,
} from "./plan.ts";
import { classTable, latencySvg, quantile, timeTable, windows } from "./report.ts";

const ADMIN_TOKEN = "loadtest-admin-token-0123456789abcdef";
const FEED_SECRET = "loadtest-feed-secret-0123456789abcdef012345";
const work = mkdtempSync(join(tmpdir(), "shiftfeed-loadtest-"));
const log = (line: string) => console.log(`[loadtest] ${line}`);
const today = new Date().toISOString().slice(0, 10);
const loadBefore = loadavg()[0]!.toFixed(1);

const server = await startShiftfeed({
  dataDir: join(work, "data"),
  adminToken: ADMIN_TOKEN,
  feedSecret: FEED_SECRET,
  logFile: join(work, "server.log"),
});
const admin = createAdminClient({ url: server.url, token: ADMIN_TOKEN });
let children: { cls: ClientClass; job: ClientJob; child: Child }[] = [];
try {
  // ---- data: two hospitals whose people are the clients' feeds ------------------------------------------------
  const orgs = [
    { org: "gold", tier: "enterprise" as const },
    { org: "tin", tier: "standard" as const },
  ];
  for (const o of orgs) {
    const body = snapshotOf({
      ...o,
      schedule: "wards",
      people: PEOPLE_PER_ORG,
      assignmentsEach: 20,
      revision: 1,
      today,
    });
    await admin.json("PUT", `/admin/orgs/${o.org}/schedules/wards`, body);
  }
  const paths = new Map<string, string[]>();
  for (const { org } of orgs) {
    const list: string[] = [];
    for (let i = 0; i < PEOPLE_PER_ORG; i++) {
      const { feed } = await admin.json<{ feed: FeedInfo }>("GET", `/admin/orgs/${org}/people/p${i}`);
      list.push(new URL(feed.url).pathname);
    }
    paths.set(org, list);
  }
  log(`published 2 hospitals of ${PEOPLE_PER_ORG} people; server ${server.url}`);
  const gold = paths.get("gold")!;
  const tin = paths.get("tin")!;
  const kinds: ClientKind[] = ["apple", "google", "outlook"];
  const half = (n: number) => n / 2;
  const targets: Record<ClientClass, { path: string; kind: ClientKind }[]> = {
    subscriber: [...gold.slice(0, half(SUBSCRIBERS.count)), ...tin.slice(0, half(SUBSCRIBERS.count))].map(
      (path, i) => ({ path, kind: kinds[i % 3]! }),
    ),
    partner: [
      ...gold.slice(100, 100 + half(PARTNER.count)),
      ...tin.slice(100, 100 + half(PARTNER.count)),
    ].map((path) => ({ path, kind: "outlook" })),
    hammer: [{ path: gold[PEOPLE_PER_ORG - 1]!, kind: "outlook" }],
    "retry-enterprise": gold.slice(300, 300 + half(RETRY.count)).map((path) => ({ path, kind: "google" })),
    "retry-standard": tin.slice(300, 300 + half(RETRY.count)).map((path) => ({ path, kind: "google" })),
    slowloris: [],
  };

  // ---- the run ---------------------------------------------------------------------------------------------------
  const t0 = Date.now() + 3000; // time for the client processes to start
  // Each job goes in a file (it holds feed links, which do not belong on a command line).
  children = CLASSES.map((cls) => {
    const job: ClientJob = {
      cls,
      url: server.url,
      t0,
      targets: targets[cls],
      out: join(work, `${cls}.json`),
    };
    const jobFile = join(work, `${cls}.job.json`);
    writeFileSync(jobFile, JSON.stringify(job));
    return {
      cls,
      job,
      child: startChild(process.execPath, [join(REPO_ROOT, "bench/loadtest/client.ts"), jobFile], {
        logFile: join(work, `${cls}.log`),
      }),
    };
  });
  const at = (second: number) => sleep(Math.max(0, t0 + second * 1000 - Date.now()));
  const health: { t: number; shedding: boolean; inflight: number }[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      try {
        const res = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(5000) });
        const body = (await res.json()) as { limits?: { shedding: boolean; inflight: number } };
        health.push({
          t: (Date.now() - t0) / 1000,
          shedding: body.limits?.shedding ?? false,
          inflight: body.limits?.inflight ?? 0,
        });
      } catch {
        health.push({ t: (Date.now() - t0) / 1000, shedding: true, inflight: -1 });
      }
      await sleep(500);
    }
  })();
  log(`run: ${TIMELINE.end} s; storm from ${TIMELINE.stormStart} s to ${TIMELINE.stormEnd} s`);
  await at(TIMELINE.publishAt);
  const large = snapshotOf({
    org: "big",
    tier: "standard",
    schedule: "all",
    ...{ people: LARGE.people, assignmentsEach: LARGE.assignmentsEach },
    revision: 1,
    today,
  });
  const publishStarted = performance.now();
  const publishing = admin
    .send("PUT", "/admin/orgs/big/schedules/all", large)
    .then((r) => ({
      status: r.status,
      seconds: (performance.now() - publishStarted) / 1000,
    }))
    .catch(() => ({ status: 0, seconds: (performance.now() - publishStarted) / 1000 }));
  await at(TIMELINE.regenerateAt);
  const regenStarted = performance.now();
  const { job } = await admin.json<{ job: { id: string } }>(
    "POST",
    "/admin/regenerate",
    JSON.stringify({ force: true }),
  );
  const regenerated = admin
    .waitForJob(job.id)
    .then((j) => ({ state: j.state, total: j.total, seconds: (performance.now() - regenStarted) / 1000 }))
    .catch(() => ({
      state: "failed" as const,
      total: 0,
      seconds: (performance.now() - regenStarted) / 1000,
    }));
  for (const c of children) await c.child.exited;
  sampling = false;
  await sampler;
  const published = await publishing;
  const regen = await regenerated;
  const metrics = (await admin.send("GET", "/metrics")).text;

  // ---- figures and targets ----------------------------------------------------------------------------------------
  const results = new Map<ClientClass, Sample[]>();
  for (const c of children) results.set(c.cls, JSON.parse(readFileSync(c.job.out, "utf8")) as Sample[]);
  const refused = (limit: string) =>
    Number(new RegExp(`^shiftfeed_refused_total\\{limit="${limit}"\\} (\\d+)`, "m").exec(metrics)?.[1] ?? 0);
  const subs = results.get("subscriber")!;
  const subErrors = subs.filter((s) => s[1] !== 200 && s[1] !== 304).length;
  const worstSubP99 = Math.max(...windows(subs).byWindow.map((w) => w.p99));
  const hammered = results.get("hammer")!;
  const hammerOk = hammered.filter((s) => s[1] === 200).length;
  const hammerQuota = 20 + Math.ceil(((TIMELINE.stormEnd - TIMELINE.stormStart) * 120) / 3600);
  const shed = { enterprise: refused("shed_enterprise"), standard: refused("shed_standard") };
  const served = (cls: ClientClass) => {
    const s = results.get(cls)!;
    return s.filter((x) => x[1] === 200 || x[1] === 304).length / Math.max(1, s.length);
  };
  // Recovered: nothing shed any more (the large publish and the regeneration may still hold units of work).
  const recovered = health.find((h) => h.t > TIMELINE.stormEnd && !h.shedding);
  const recoverySeconds = recovered ? recovered.t - TIMELINE.stormEnd : Infinity;
  const maxInflight = Math.max(...health.map((h) => h.inflight));
  const targetsMet = [
    [`ordinary subscribers: no errors (${subErrors})`, subErrors === 0],
    [
      `ordinary subscribers: p99 ≤ 10 ms in every ${TIMELINE.windowSeconds} s window (worst ${worstSubP99.toFixed(2)} ms)`,
      worstSubP99 <= 10,
    ],
    [
      `the hammering client held to its quota: ${hammerOk} of ${hammered.length} served (quota ${hammerQuota})`,
      hammerOk <= hammerQuota,
    ],
    [
      `enterprise before standard: served ${(100 * served("retry-enterprise")).toFixed(1)} % vs ${(100 * served("retry-standard")).toFixed(1)} %; shed ${shed.enterprise} vs ${shed.standard}`,
      shed.enterprise <= shed.standard && served("retry-enterprise") >= served("retry-standard"),
    ],
    [
      `recovers by itself: nothing shed ${recoverySeconds.toFixed(1)} s after the storm`,
      recoverySeconds <= 10,
    ],
    [
      `the large publish succeeded (HTTP ${published.status}, ${published.seconds.toFixed(1)} s)`,
      published.status === 200,
    ],
    [
      `the regeneration succeeded (${regen.state}, ${regen.total} schedules, ${regen.seconds.toFixed(1)} s)`,
      regen.state === "succeeded",
    ],
  ] as const;

  const m = machineInfo();
  const machine = `${m.cpu} × ${m.cpus}, ${m.memory}, ${m.kernel}, Node ${m.node}`;
  const total = [...results.values()].reduce((n, s) => n + s.length, 0);
  const polling: ClientClass[] = ["subscriber", "partner", "hammer", "retry-enterprise", "retry-standard"];
  const md = [
    "# Load test: the 2021 storm, replayed",
    "",
    "Written by `npm run loadtest` (`bench/loadtest/`). shiftfeed runs as `npm start` runs it, with its default",
    "limits, on 127.0.0.1; every class of clients runs in a process of its own and sends from its own loopback",
    "addresses (each address a distinct client to the server). Latency is measured by the clients: from sending the",
    "request (on a fresh connection for subscribers and retrying clients) to the last byte.",
    "",
    `Machine: ${machine}. Run at ${new Date(t0).toISOString()}; ${total} requests in ${TIMELINE.end} s. ` +
      `Load average of the machine (other work included) before the run ${loadBefore}, after it ${loadavg()[0]!.toFixed(1)}.`,
    "",
    "## What ran",
    "",
    `- **${SUBSCRIBERS.count} ordinary subscribers** (half of an enterprise hospital, half of a standard one), each polling its own feed every ${SUBSCRIBERS.intervalSeconds} s ± 10 % for the whole run with its real client's headers: Apple (\`If-Modified-Since\`), Google (full GET, no \`Accept-Encoding\`), Outlook (\`If-None-Match\`, gzip). That is ~${SUBSCRIBERS.count / SUBSCRIBERS.intervalSeconds} requests/s, about 6× the incident's 25,000 requests an hour on its own.`,
    `- From ${TIMELINE.stormStart} s to ${TIMELINE.stormEnd} s, the storm:`,
    `  - **a partner** syncing ${PARTNER.count} distinct feeds every ${PARTNER.everySeconds} s (conditional, ${PARTNER.connections} kept-alive connections from one address);`,
    `  - **one client hammering** one feed with ${HAMMER.perSecond} full GETs a second;`,
    `  - **${RETRY.count} clients retrying without jitter** (half on each hospital): full GETs every ${RETRY.pollSeconds} s, and on any error again after exactly ${RETRY.retrySeconds} s, ignoring \`Retry-After\`; all start at the same instant;`,
    `  - **a slowloris**: ${SLOWLORIS.connections} connections from one address trickling a header line every ${SLOWLORIS.trickleMs / 1000} s, each reopened when closed;`,
    `  - **a large publish** at ${TIMELINE.publishAt} s (a new schedule of ${LARGE.people} people × ${LARGE.assignmentsEach} assignments) and **a forced regeneration of every feed** at ${TIMELINE.regenerateAt} s.`,
    "",
    "## Targets",
    "",
    ...targetsMet.map(([text, ok]) => `- ${ok ? "✅" : "❌"} ${text}`),
    "",
    "## Per class, whole run",
    "",
    ...classTable(results),
    "",
    `Refusals counted by the server: ${["token", "address", "misses", "shed_enterprise", "shed_standard", "shed_admin", "shed_background", "connections_address", "connections_total"].map((k) => `${k} ${refused(k)}`).join(", ")}. Work in flight never above ${maxInflight} (bound ${/^shiftfeed_inflight_limit (\d+)/m.exec(metrics)?.[1] ?? "?"}).`,
    "",
    `## Over time (per ${TIMELINE.windowSeconds} s window; errors: no answer or status ≥ 400)`,
    "",
    "![p99 latency over time](loadtest-latency.svg)",
    "",
    ...timeTable(results, polling),
    "",
    `Health during the run (sampled every 0.5 s): shedding reported in ${health.filter((h) => h.shedding).length} of ${health.length} samples, last at ${Math.max(0, ...health.filter((h) => h.shedding).map((h) => h.t)).toFixed(1)} s.`,
    "",
  ].join("\n");
  writeFileSync(join(REPO_ROOT, "bench/LOADTEST.md"), md);
  writeFileSync(join(REPO_ROOT, "bench/loadtest-latency.svg"), latencySvg(results, polling));
  console.log(classTable(results).join("\n"));
  for (const [text, ok] of targetsMet) console.log(`${ok ? "ok  " : "MISS"} ${text}`);
  log(
    `subscriber p50 ${quantile(
      subs.map((s) => s[2]).sort((a, b) => a - b),
      0.5,
    ).toFixed(2)} ms; wrote bench/LOADTEST.md`,
  );
  process.exitCode = targetsMet.every(([, ok]) => ok) ? 0 : 1;
} finally {
  for (const c of children) await stopChild(c.child);
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}
