/**
 * Benchmark baseline: the incumbent's design, rendering a feed on every request. Generous to it: snapshots
 * are validated, parsed and expanded once at start, so each request only builds and renders one feed (with the
 * same renderer shiftfeed uses) — no CGI process start, no file reads. It speaks the same HTTP as shiftfeed,
 * the obvious way: the `ETag` is a hash of the bytes just rendered, so even a `304` costs a render, and gzip is
 * compressed per request at level 1 (nginx's default `gzip_comp_level`).
 *
 * A person's feed is `/feeds/<org>--<person>.ics`; `/healthz` answers `200` once the snapshots are loaded.
 *
 * Usage: node bench/baselines/render-per-request.ts <port> <snapshot.json>…
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { gzipSync } from "node:zlib";
import { expandSnapshot } from "../../src/core/feeds/events.ts";
import { advanceHistory } from "../../src/core/feeds/history.ts";
import { renderFeed } from "../../src/core/ical/render-feed.ts";
import { buildFeed } from "../../src/core/publish/feed-builder.ts";
import { personFeedKey } from "../../src/core/publish/keys.ts";
import { emptyManifest } from "../../src/core/publish/manifest.ts";
import { loadSchedule, type OrgState } from "../../src/core/publish/org-state.ts";
import { validateSnapshot } from "../../src/core/snapshot/validate.ts";

const RECEIVED_AT = 1_790_000_000;
const LAST_MODIFIED = new Date(RECEIVED_AT * 1000).toUTCString();
const port = Number(process.argv[2]);
const orgs = new Map<string, OrgState>();
for (const file of process.argv.slice(3)) {
  const result = validateSnapshot(JSON.parse(readFileSync(file, "utf8")));
  if (!result.ok) throw new Error(`${file}: ${JSON.stringify(result.details.slice(0, 3))}`);
  const s = result.snapshot;
  let org = orgs.get(s.organization.id);
  if (!org) orgs.set(s.organization.id, (org = { manifest: emptyManifest(s), schedules: new Map() }));
  const events = expandSnapshot(s);
  const history = advanceHistory({}, events, RECEIVED_AT);
  org.schedules.set(
    s.schedule.id,
    loadSchedule({ format: 1, snapshot: s, history, receivedAt: RECEIVED_AT }, events),
  );
}
const settings = { pastDays: 14, futureDays: 300, refreshSeconds: 3600 };

createServer((req, res) => {
  if (req.url === "/healthz") {
    res.writeHead(200).end("ok");
    return;
  }
  const match = /^\/feeds\/([^/]+?)--([^/]+)\.ics$/.exec(req.url ?? "");
  const org = match ? orgs.get(match[1]!) : undefined;
  const built = org ? buildFeed(org, personFeedKey(match![2]!), Date.now(), settings) : null;
  if (!built) {
    res.writeHead(404).end();
    return;
  }
  const body = renderFeed(built.doc);
  const etag = `W/"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`;
  const validators = { etag, "last-modified": LAST_MODIFIED, "cache-control": "private, no-cache" };
  const inm = req.headers["if-none-match"];
  const ims = req.headers["if-modified-since"];
  if (inm !== undefined ? inm === etag : ims !== undefined && Date.parse(ims) >= RECEIVED_AT * 1000) {
    res.writeHead(304, validators).end();
    return;
  }
  const gzip = /\bgzip\b/.test(req.headers["accept-encoding"] ?? "");
  const bytes = gzip ? gzipSync(body, { level: 1 }) : Buffer.from(body);
  res.writeHead(200, {
    ...validators,
    "content-type": "text/calendar; charset=utf-8",
    "content-length": bytes.length,
    vary: "Accept-Encoding",
    ...(gzip ? { "content-encoding": "gzip" } : {}),
  });
  res.end(bytes);
}).listen(port, "127.0.0.1", () => process.stdout.write("ready\n"));
