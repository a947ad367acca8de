/**
 * `npm run bench:workers`: the Worker's figures measured offline, in workerd on this machine (wrangler's test
 * harness, local R2 and Durable Objects), as docs/benchmarks.md › Workers in workerd reports them:
 * - bundle size (`wrangler deploy --dry-run --outdir`: minified, as wrangler.toml deploys it);
 * - cold start: the first feed request after the Worker is reloaded (a new isolate, data in place) against the
 *   next ones;
 * - CPU per feed request (a `304`, a gzip `200`, an identity `200`): workerd's CPU time from /proc over many
 *   requests on kept-alive connections, divided by their number. It includes the local front end (wrangler's
 *   entry worker) and the local R2 simulator, so it is an upper bound of what the Worker's own code costs; a
 *   malformed feed path (answered `404` before any token check or read) is measured the same way as the baseline
 *   of that overhead.
 * The 5,000-person publish is measured by `test/worker/socket/big-publish.test.ts`.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bigSchedule } from "./fixtures/big-schedule.ts";
import { personId } from "../src/cli/fixtures/people.ts";
import { cpuSeconds, workerdPids } from "./lib/workerd-cpu.ts";
import { ADMIN_TOKEN } from "../test/support/fixture.ts";
import { startWorkerd } from "../test/worker/socket/workerd.ts";

const PEOPLE = 200;
const REQUESTS = 3_000;
const PARALLEL = 8;
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

function bundle(): string {
  const out = mkdtempSync(join(tmpdir(), "shiftfeed-bundle-"));
  try {
    const log = execFileSync("wrangler", ["deploy", "--dry-run", "--outdir", out], {
      encoding: "utf8",
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    });
    return /Total Upload: (.+)/.exec(log)?.[1] ?? "unknown";
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** `count` requests, `PARALLEL` at a time; resolves with the wall seconds. */
async function load(urls: readonly string[], headers: (i: number) => Record<string, string>, count: number) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < count) {
        const i = next++;
        const reply = await fetch(urls[i % urls.length]!, { headers: headers(i) });
        await reply.arrayBuffer();
        if (reply.status >= 500) throw new Error(`feed answered ${reply.status}`);
      }
    }),
  );
  return (performance.now() - started) / 1000;
}

const server = await startWorkerd();
const pids = workerdPids();
try {
  const today = new Date().toISOString().slice(0, 10);
  const body = JSON.stringify(bigSchedule({ people: PEOPLE, days: 28, today }));
  const put = await fetch(`${server.url}/admin/orgs/big/schedules/all-staff`, {
    method: "PUT",
    headers: { ...auth, "content-type": "application/json" },
    body,
  });
  if (put.status !== 200) throw new Error(`publish: ${put.status} ${await put.text()}`);
  const urls: string[] = [];
  const etags: string[] = [];
  for (let p = 0; p < PEOPLE; p++) {
    const lookup = (await (
      await fetch(`${server.url}/admin/orgs/big/people/${personId(p)}`, { headers: auth })
    ).json()) as { feed: { url: string; etag: string } };
    urls.push(server.url + new URL(lookup.feed.url).pathname);
    etags.push(lookup.feed.etag);
  }
  const malformed = [`${server.url}/feeds/x.ics`];
  const kinds: [string, readonly string[], (i: number) => Record<string, string>][] = [
    ["404 malformed path (baseline)", malformed, () => ({})],
    ["304 If-None-Match", urls, (i) => ({ "if-none-match": etags[i % etags.length]! })],
    ["200 gzip", urls, () => ({ "accept-encoding": "gzip" })],
    ["200 identity (Google)", urls, () => ({ "accept-encoding": "identity" })],
  ];
  const figures: Record<string, string> = { bundle: bundle() };
  for (const [kind, targets, headers] of kinds) {
    await load(targets, headers, 300); // warm
    const cpu0 = cpuSeconds(pids);
    const seconds = await load(targets, headers, REQUESTS);
    const cpuMs = ((cpuSeconds(pids) - cpu0) * 1000) / REQUESTS;
    figures[kind] = `${cpuMs.toFixed(2)} ms CPU a request, ${Math.round(REQUESTS / seconds)} req/s`;
  }
  // A reload: the isolate starts again with the data in place; its first feed request against the next ones.
  await server.harness.update((options) => ({
    ...options,
    workers: options.workers.map((w) =>
      "configPath" in w ? { ...w, vars: { ...w.vars, RELOAD: String(Date.now()) } } : w,
    ),
  }));
  const timed = async () => {
    const t = performance.now();
    const reply = await fetch(urls[0]!, { headers: { "accept-encoding": "gzip" } });
    await reply.arrayBuffer();
    if (reply.status !== 200) throw new Error(`after reload: ${reply.status}`);
    return performance.now() - t;
  };
  const first = await timed();
  const later: number[] = [];
  for (let i = 0; i < 50; i++) later.push(await timed());
  later.sort((a, b) => a - b);
  figures["first feed request after a reload"] =
    `${first.toFixed(1)} ms (next ones: median ${later[25]!.toFixed(1)} ms)`;
  for (const [name, value] of Object.entries(figures)) console.log(`${name}: ${value}`);
} finally {
  await server.close();
}
