import { readdirSync, readFileSync, rmSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { createEventBlockCache } from "./src/core/ical/render-events.ts";
import { FeedService } from "./src/core/publish/feed-service.ts";
import { Maintenance } from "./src/core/publish/maintenance.ts";
import { createInProcessRunner } from "./src/core/publish/unit-runner.ts";
import { ensureSchema } from "./src/core/store/schema.ts";
import { createFeedTokens } from "./src/core/tokens.ts";
import { openNodeSqlite } from "./src/store/node-sqlite.ts";
import { nodeCodec } from "./src/node/node-codec.ts";

const dir = process.argv[2]!;
const limit = Number(process.argv[3] ?? 1e9);
rmSync("/tmp/prof/db", { recursive: true, force: true });
import("node:fs").then((fs) => fs.mkdirSync("/tmp/prof/db", { recursive: true }));
await new Promise((r) => setTimeout(r, 10));
const sql = openNodeSqlite({ path: "/tmp/prof/db/shiftfeed.db" });
ensureSchema(sql);
const tokens = await createFeedTokens(new TextEncoder().encode("x".repeat(40)));
const settings = {
  pastDays: 14,
  futureDays: 300,
  refreshSeconds: 3600,
  cacheBytes: 64 << 20,
  eventCacheChars: 16 << 20,
  bigFeedBytes: 8 << 20,
};
const clock = () => Date.now();
const runner = createInProcessRunner({
  sql,
  tokens,
  settings,
  blocks: createEventBlockCache(16 << 20),
  codec: nodeCodec,
  clock,
});
const service = new FeedService({ sql, tokens, runner, clock });
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .slice(0, limit);
let t = performance.now();
for (const f of files) {
  const bytes = readFileSync(`${dir}/${f}`);
  const s = JSON.parse(bytes.toString());
  await service.publish(new Uint8Array(bytes), { org: s.organization.id, schedule: s.schedule.id });
}
console.log(
  `publish ${files.length} schedules: ${Math.round(performance.now() - t)} ms, rss ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB, heap ${Math.round(process.memoryUsage().heapUsed / 2 ** 20)}`,
);
const m = new Maintenance(service, randomUUID);
t = performance.now();
const job = m.regenerate({});
while (m.job(job.id)!.state !== "succeeded" && m.job(job.id)!.state !== "failed")
  await new Promise((r) => setTimeout(r, 50));
console.log(
  `regenerate: ${Math.round(performance.now() - t)} ms`,
  JSON.stringify(m.job(job.id)).slice(0, 200),
);
console.log(`rss ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`);
