/**
 * Benchmark baseline: the incumbent's design, rendering a feed on every request. Generous to it: snapshots
 * are parsed and expanded once at start, so each request only builds and renders one feed (with the same
 * renderer shiftfeed uses) — no CGI process start, no file reads.
 *
 * Usage: node bench/baselines/render-per-request.ts <port> <snapshots.json>
 */
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { expandSnapshot } from "../../src/core/feeds/events.ts";
import { advanceHistory } from "../../src/core/feeds/history.ts";
import { renderFeed } from "../../src/core/ical/render-feed.ts";
import { buildFeed } from "../../src/core/publish/feed-builder.ts";
import { personFeedKey } from "../../src/core/publish/keys.ts";
import { emptyManifest } from "../../src/core/publish/manifest.ts";
import { loadSchedule, type OrgState } from "../../src/core/publish/org-state.ts";
import type { Snapshot } from "../../src/core/snapshot/types.ts";

const port = Number(process.argv[2]);
const snapshots = JSON.parse(readFileSync(process.argv[3]!, "utf8")) as Snapshot[];
const org: OrgState = { manifest: emptyManifest(snapshots[0]!), schedules: new Map() };
for (const s of snapshots) {
  const events = expandSnapshot(s);
  const history = advanceHistory(new Map(), events, 1_790_000_000);
  org.schedules.set(
    s.schedule.id,
    loadSchedule({ format: 1, snapshot: s, history, receivedAt: 1_790_000_000 }, events),
  );
}
const settings = { pastDays: 14, futureDays: 300, refreshSeconds: 3600 };

createServer((req, res) => {
  const person = /^\/feeds\/([^/]+)\.ics$/.exec(req.url ?? "")?.[1];
  const built = person ? buildFeed(org, personFeedKey(person), Date.now(), settings) : null;
  if (!built) {
    res.writeHead(404).end();
    return;
  }
  const body = renderFeed(built.doc);
  res.writeHead(200, {
    "content-type": "text/calendar; charset=utf-8",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}).listen(port, "127.0.0.1", () => process.stdout.write("ready\n"));
