/**
 * Traffic views and lasting counts added up (`mergeTraffic`, `mergeTelemetryMetrics`: how the Worker answers
 * `GET /admin/traffic` and `/metrics` from every organization's fetch log): the merged view equals the view of one
 * log holding every request — minutes, windows, busiest clients, totals and newest fetches alike.
 */
import { describe, expect, it } from "vitest";
import type { CalendarClient } from "../../src/core/clients.ts";
import { FetchLog } from "../../src/core/fetch-log.ts";
import { ensureSchema } from "../../src/core/store/schema.ts";
import {
  mergeTelemetryMetrics,
  mergeTraffic,
  telemetryMetrics,
  trafficView,
} from "../../src/core/traffic.ts";
import { openNodeSqlite } from "../../src/node/store/node-sqlite.ts";

const T = Date.parse("2026-11-20T12:00:00Z");

function log() {
  const sql = openNodeSqlite({ path: ":memory:" });
  ensureSchema(sql);
  return new FetchLog({ sql, clock: () => T });
}

type Poll = [
  feed: string | null,
  client: CalendarClient,
  userAgent: string,
  status: number,
  minutesAgo: number,
];

describe("mergeTraffic", () => {
  it("adds the views and lasting counts of disjoint logs up to those of one log with every request", () => {
    const polls: Poll[] = [];
    for (let i = 0; i < 30; i++)
      polls.push([`a/person/p${i % 12}`, "google", "Google-Calendar-Importer", 200, i]);
    for (let i = 0; i < 40; i++)
      polls.push([`b/person/q${i % 7}`, "apple", "iOS/18.1 dataaccessd/1.0", 304, i * 3]);
    for (let i = 0; i < 9; i++) polls.push([`b/person/q1`, "other", "curl/8", i % 2 ? 429 : 503, 2]);
    polls.push([null, "other", "scanner", 404, 1]);
    polls.push(["b/person/q3", "google", "Google-Calendar-Importer", 200, 0]); // a client family in both logs
    const [a, b, all] = [log(), log(), log()];
    for (const [feed, client, ua, status, ago] of polls) {
      const at = T - ago * 60_000;
      (feed?.startsWith("a/") ? a : b).record(feed, client, ua, status, at);
      all.record(feed, client, ua, status, at);
    }
    const merged = mergeTraffic([trafficView(a, T), trafficView(b, T)], T);
    expect(merged).toEqual(trafficView(all, T));
    expect(merged.windows[0]!.requests).toBeGreaterThan(0);
    expect(mergeTraffic([], T)).toEqual(trafficView(log(), T));

    // The lasting counts and newest fetches, as /metrics shows them, add up the same way.
    const sorted = (families: ReturnType<typeof telemetryMetrics>) =>
      families.map((f) => ({
        ...f,
        samples: [...f.samples].sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1)),
      }));
    expect(sorted(mergeTelemetryMetrics([telemetryMetrics(a), telemetryMetrics(b)]))).toEqual(
      sorted(telemetryMetrics(all)),
    );
  });
});
