/**
 * `npm run bench:worker-memory -- [people] [days]` (default 10,000 people over 60 days: about 16 MiB): what a
 * hospital-wide publish holds on the Worker's path, measured in Node, where memory outside V8's heap can be seen
 * (workerd shows neither). It runs the core's units with the Worker's settings (`workerSettings`: events a batch at
 * a time, big feeds streamed, no identity bodies) over an in-memory SQLite, under the same 128 MB heap cap as the
 * big-publish test: the publish call (ingest, then the state staged alone), every batch of the job, then its
 * closing step. Memory is sampled every 5 ms (between the awaits of the work) and at each step's end: V8's heap in
 * use, ArrayBuffers (the body, state bytes, gzip buffers: what Cloudflare counts beside the heap), and the
 * process's peak RSS. R2 writes and the Durable Object's own storage are not in it.
 */
import { bigSchedule } from "./fixtures/big-schedule.ts";
import { webCodec } from "../src/core/compress.ts";
import { createEventBlockCache } from "../src/core/ical/render-events.ts";
import { RefreshScope } from "../src/core/publish/refresh-scope.ts";
import { publishUnit, refreshUnit } from "../src/core/publish/schedule-unit.ts";
import type { ServiceSettings, UnitDeps } from "../src/core/publish/unit-deps.ts";
import { ingestSnapshot } from "../src/core/snapshot/ingest.ts";
import { ensureSchema } from "../src/core/store/schema.ts";
import { createFeedTokens } from "../src/core/tokens.ts";
import { openNodeSqlite } from "../src/node/store/node-sqlite.ts";
import { nodeTokenCrypto } from "../src/node/node-codec.ts";
import { ADMIN_TOKEN, FEED_SECRET, PUBLIC_URL } from "../test/support/fixture.ts";

const MiB = 2 ** 20;
const people = Number(process.argv[2] ?? 10_000);
const days = Number(process.argv[3] ?? 60);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

// The Worker's own settings function, loaded at run time: its module's types are the Workers runtime's, which this
// Node program's type check does not have.
const WORKER_ENV = "../src/worker/env.ts";
const { workerSettings } = (await import(WORKER_ENV)) as {
  workerSettings: (env: Record<string, string>) => { fanOutBatch: number; service: ServiceSettings };
};
const settings = workerSettings({ ADMIN_TOKEN, FEED_SECRET, PUBLIC_URL });
const sql = openNodeSqlite({ path: ":memory:" });
ensureSchema(sql);
const now = Date.now();
const deps: UnitDeps = {
  sql,
  tokens: await createFeedTokens(new TextEncoder().encode(FEED_SECRET), nodeTokenCrypto),
  settings: settings.service,
  blocks: createEventBlockCache(settings.service.eventCacheChars),
  codec: webCodec,
  clock: () => now,
  onCommit: () => undefined,
};

/** Peaks of a phase: V8 heap used, ArrayBuffers, and their sum, sampled. */
let peak = { heap: 0, buffers: 0, sum: 0 };
const sample = () => {
  const m = process.memoryUsage();
  peak = {
    heap: Math.max(peak.heap, m.heapUsed),
    buffers: Math.max(peak.buffers, m.arrayBuffers),
    sum: Math.max(peak.sum, m.heapUsed + m.arrayBuffers),
  };
};
const timer = setInterval(sample, 5);
const rows: string[] = [];
async function phase(name: string, work: () => Promise<unknown>): Promise<void> {
  gc();
  peak = { heap: 0, buffers: 0, sum: 0 };
  sample();
  const started = performance.now();
  await work();
  sample();
  const f = (n: number) => (n / MiB).toFixed(0);
  rows.push(
    `| ${name} | ${f(peak.heap)} | ${f(peak.buffers)} | ${f(peak.sum)} | ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s | ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} |`,
  );
}

const today = new Date(now).toISOString().slice(0, 10);
let body: Uint8Array | null = new TextEncoder().encode(
  JSON.stringify({ ...bigSchedule({ people, days, today, org: "big", seed: 1 }), revision: 1 }),
);
const bodyMiB = (body.length / MiB).toFixed(1);
const target = { org: "big", schedule: "all-staff" };
let ids: string[] = [];
await phase(`publish call: ingest, then the state staged alone (body ${bodyMiB} MiB held)`, async () => {
  const ingested = await ingestSnapshot(body!, target);
  if (!ingested.ok) throw new Error(ingested.error.message);
  ids = ingested.snapshot.people.map((p) => p.id);
  await publishUnit(deps, ingested.snapshot, ingested.hash, {}, RefreshScope.stateOnly());
});
body = null;
const batch = settings.fanOutBatch;
let worst = { name: "", heap: 0, buffers: 0, sum: 0 };
const before = rows.length;
for (let i = 0; i < ids.length; i += batch) {
  await phase(`batch ${i / batch + 1}`, () =>
    refreshUnit(
      deps,
      target.org,
      target.schedule,
      RefreshScope.batch(RefreshScope.whole(), ids.slice(i, i + batch)),
    ),
  );
  if (peak.sum > worst.sum) worst = { name: `batch ${i / batch + 1}`, ...peak };
}
// Only the worst batch is shown.
const batches = rows.splice(before);
rows.push(
  batches[Number(worst.name.split(" ")[1]) - 1]!.replace(
    worst.name,
    `the worst of ${batches.length} batches (${worst.name})`,
  ),
);
await phase("closing step (the schedule feed, everyone's pieces)", () =>
  refreshUnit(deps, target.org, target.schedule, RefreshScope.closing(RefreshScope.whole())),
);
clearInterval(timer);
console.log(
  `${people} people over ${days} days, a ${bodyMiB} MiB body, fan-out batch ${batch}, Node ${process.version}`,
);
console.log(
  "| step | V8 heap used, peak (MiB) | ArrayBuffers, peak (MiB) | both at once, peak (MiB) | time | process peak RSS so far (MiB) |",
);
console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
for (const row of rows) console.log(row);
