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
import type { ExpandedEvent } from "../../src/core/feeds/event-facts.ts";
import { expandSnapshot } from "../../src/core/feeds/events.ts";
import { advanceHistory, type History } from "../../src/core/feeds/history.ts";
import { renderFeed } from "../../src/core/ical/render-feed.ts";
import { personFeedSpec, windowEvents, windowFor } from "../../src/core/publish/feed-specs.ts";
import { validateSnapshot } from "../../src/core/snapshot/validate.ts";

const RECEIVED_AT = 1_790_000_000;
const LAST_MODIFIED = new Date(RECEIVED_AT * 1000).toUTCString();
const port = Number(process.argv[2]);

/** A schedule held in memory: its expanded events by person, their history, and its people's names. */
interface Loaded {
  id: string;
  zone: string;
  history: History;
  byPerson: Map<string, ExpandedEvent[]>;
  names: Map<string, string>;
}
const orgs = new Map<string, { name: string; schedules: Loaded[] }>();
for (const file of process.argv.slice(3)) {
  const result = validateSnapshot(JSON.parse(readFileSync(file, "utf8")));
  if (!result.ok) throw new Error(`${file}: ${JSON.stringify(result.details.slice(0, 3))}`);
  const s = result.snapshot;
  let org = orgs.get(s.organization.id);
  if (!org) orgs.set(s.organization.id, (org = { name: s.organization.name, schedules: [] }));
  const events = expandSnapshot(s);
  const byPerson = new Map<string, ExpandedEvent[]>(s.people.map((p) => [p.id, []]));
  for (const e of events) byPerson.get(e.facts.personId)?.push(e);
  org.schedules.push({
    id: s.schedule.id,
    zone: s.schedule.timezone,
    history: advanceHistory(new Map(), events, RECEIVED_AT),
    byPerson,
    names: new Map(s.people.map((p) => [p.id, p.name])),
  });
  org.schedules.sort((x, y) => (x.id < y.id ? -1 : 1));
}
const settings = { pastDays: 14, futureDays: 300, refreshSeconds: 3600 };

/** Builds and renders one person's feed from the schedules in memory, as of now. */
function render(orgId: string, person: string): string | null {
  const org = orgs.get(orgId);
  const mine = org?.schedules.filter((s) => s.byPerson.has(person)) ?? [];
  const pieces = mine.map((s) => ({
    schedule: s.id,
    name: s.names.get(person)!,
    inputHash: "",
    timezone: s.zone,
    receivedAt: RECEIVED_AT,
  }));
  const spec = personFeedSpec(pieces, org?.name ?? "", settings);
  if (spec === null) return null;
  const now = Date.now();
  const events = mine.flatMap((s) =>
    windowEvents(s.byPerson.get(person)!, s.history, windowFor(s.zone, now, settings)),
  );
  return renderFeed({ view: "person", ...spec.head, events });
}

createServer((req, res) => {
  if (req.url === "/healthz") {
    res.writeHead(200).end("ok");
    return;
  }
  const match = /^\/feeds\/([^/]+?)--([^/]+)\.ics$/.exec(req.url ?? "");
  const body = match ? render(match[1]!, match[2]!) : null;
  if (body === null) {
    res.writeHead(404).end();
    return;
  }
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
