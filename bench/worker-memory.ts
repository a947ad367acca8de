/**
 * `npm run bench:worker-memory -- [people] [days]` (default 10,000 people over 60 days: about 16 MiB): what a
 * hospital-wide publish holds on the Worker's path, measured in Node, where memory outside V8's heap can be seen
 * (workerd shows neither). It runs the core's units with the Worker's settings (`workerSettings`: events a batch at
 * a time, big feeds streamed, no identity bodies) over an in-memory SQLite, under the same 128 MB heap cap as the
 * big-publish test: the publish call (ingest, then the state staged alone), every batch of the job, its closing
 * step, then the publish call of the next revision (another rota of the same people), which also reads the
 * previous state's history. Memory is sampled every 5 ms (between the awaits of the work) and at each step's end: V8's heap in
 * use, ArrayBuffers (the body, state bytes, gzip buffers: what Cloudflare counts beside the heap), and the
 * process's peak RSS. R2 writes and the Durable Object's own storage are not in it.
 *
 * The samples count garbage V8 has not collected yet, and V8 lets its heap fill towards its cap before it
 * collects much: at the 128 MB cap a step's heap peak says more about the cap than about what the step keeps. Run
 * under a lower cap (`node --expose-gc --max-heap-size=N bench/worker-memory.ts`), the heap never exceeds N (the
 * run dies of "heap out of memory" if the work needs more), so a run that passes at N bounds every step by N plus
 * its ArrayBuffers' peak in that run. The body is made in a child process without the cap, so the capped process
 * holds only what the Worker holds.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getHeapStatistics } from "node:v8";
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
const today = process.argv[5] ?? new Date().toISOString().slice(0, 10);

// The child that makes a body (`<people> <days> --body <today> <file> <revision>`): it writes the snapshot's JSON
// (revision n drawn with seed n) to the file and ends.
if (process.argv[4] === "--body") {
  const revision = Number(process.argv[7]);
  const snapshot = { ...bigSchedule({ people, days, today, org: "big", seed: revision }), revision };
  writeFileSync(process.argv[6]!, JSON.stringify(snapshot));
  process.exit(0);
}
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
/** Runs a step and answers its table row (a run that dies under its cap has printed the steps before). */
async function phase(name: string, work: () => Promise<unknown>): Promise<string> {
  gc();
  peak = { heap: 0, buffers: 0, sum: 0 };
  sample();
  const started = performance.now();
  await work();
  sample();
  const f = (n: number) => (n / MiB).toFixed(0);
  return (
    `| ${name} | ${f(peak.heap)} | ${f(peak.buffers)} | ${f(peak.sum)} | ` +
    `${((performance.now() - started) / 1000).toFixed(1)} s | ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} |`
  );
}

/** The body of revision `revision` (rota `seed`), made by a child process, read into this one. */
function bodyOf(revision: number): Buffer {
  const dir = mkdtempSync(join(tmpdir(), "worker-memory-"));
  const file = join(dir, "body.json");
  const args = [process.argv[1]!, String(people), String(days), "--body", today, file, String(revision)];
  execFileSync(process.execPath, args);
  const bytes = readFileSync(file);
  rmSync(dir, { recursive: true });
  return bytes;
}

const target = { org: "big", schedule: "all-staff" };
/** The publish call of a body: ingest, then the state staged alone. */
async function publishCall(bytes: Uint8Array): Promise<string[]> {
  const ingested = await ingestSnapshot(bytes, target);
  if (!ingested.ok) throw new Error(ingested.error.message);
  await publishUnit(deps, ingested.snapshot, ingested.hash, {}, RefreshScope.stateOnly());
  return ingested.snapshot.people.map((p) => p.id);
}

let body: Uint8Array | null = bodyOf(1);
const bodyMiB = (body.length / MiB).toFixed(1);
const batch = settings.fanOutBatch;
const cap = (getHeapStatistics().heap_size_limit / MiB).toFixed(0);
console.log(
  `${people} people over ${days} days, a ${bodyMiB} MiB body, fan-out batch ${batch}, ` +
    `V8 heap capped at ${cap} MiB, Node ${process.version}`,
);
console.log(
  "| step | V8 heap used, peak (MiB) | ArrayBuffers, peak (MiB) | both at once, peak (MiB) | time | process peak RSS so far (MiB) |",
);
console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
let ids: string[] = [];
console.log(
  await phase(`publish call: ingest, then the state staged alone (body ${bodyMiB} MiB held)`, async () => {
    ids = await publishCall(body!);
  }),
);
body = null;
// Only the worst batch is shown.
let worst = { row: "", sum: -1 };
const count = Math.ceil(ids.length / batch);
for (let i = 0; i < count; i++) {
  const row = await phase(`the worst of ${count} batches (batch ${i + 1})`, () =>
    refreshUnit(
      deps,
      target.org,
      target.schedule,
      RefreshScope.batch(RefreshScope.whole(), ids.slice(i * batch, (i + 1) * batch)),
    ),
  );
  if (peak.sum > worst.sum) worst = { row, sum: peak.sum };
}
console.log(worst.row);
console.log(
  await phase("closing step (the schedule feed, everyone's pieces)", () =>
    refreshUnit(deps, target.org, target.schedule, RefreshScope.closing(RefreshScope.whole())),
  ),
);
// The next revision, another rota of the same people: its publish call also reads the previous state's history.
body = bodyOf(2);
console.log(
  await phase(
    `revision 2's publish call (another rota; the previous history read too; body held)`,
    async () => {
      await publishCall(body!);
    },
  ),
);
clearInterval(timer);
