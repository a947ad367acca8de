/**
 * The traffic view (`GET /admin/traffic`, the admin page, `shiftfeed stats`): requests per minute over the last
 * hour, and per recent window the share answered `304`, the `429` and `503` counts, and the busiest clients.
 * Built from the fetch telemetry (`fetch-log.ts`), so it covers every serving thread and survives restarts.
 */
import { CALENDAR_CLIENTS, type CalendarClient } from "./clients.ts";
import { minuteOf, type FetchLog } from "./fetch-log.ts";
import type { MetricFamily } from "./metrics.ts";

/** One minute of feed traffic. */
export interface TrafficMinute {
  /** Start of the minute, RFC 3339 UTC. */
  minute: string;
  requests: number;
  notModified: number;
  /** Requests by client family. */
  byClient: Record<CalendarClient, number>;
}

/** One of the busiest clients of a window: a feed (or none: unknown tokens) polled by one user agent. */
export interface TopClient {
  /** The organization and feed key (`person/p1001`), or `null` for requests that opened no feed. */
  org: string | null;
  feed: string | null;
  client: CalendarClient;
  userAgent: string;
  requests: number;
}

/** A recent window's totals. */
export interface TrafficWindow {
  minutes: number;
  requests: number;
  notModified: number;
  /** `notModified / requests`, 0 when there were none. */
  notModifiedShare: number;
  tooManyRequests: number;
  unavailable: number;
  /** Requests by status. */
  byStatus: Record<string, number>;
  top: TopClient[];
}

export interface Traffic {
  /** RFC 3339 UTC. */
  at: string;
  /** The last 60 minutes, oldest first, the current (partial) minute last; minutes without requests included. */
  perMinute: TrafficMinute[];
  windows: TrafficWindow[];
}

/** The windows reported, in minutes: the last 5 minutes ("right now"), hour and day. */
export const TRAFFIC_WINDOWS = [5, 60, 1440] as const;
const TOP_CLIENTS = 10;
const emptyByClient = (): Record<CalendarClient, number> =>
  Object.fromEntries(CALENDAR_CLIENTS.map((client) => [client, 0])) as Record<CalendarClient, number>;

/** The traffic view as of `nowMs`. */
export function trafficView(log: Pick<FetchLog, "minuteCounts" | "top">, nowMs: number): Traffic {
  const now = minuteOf(nowMs);
  const rows = log.minuteCounts(Math.max(...TRAFFIC_WINDOWS));
  const perMinute: TrafficMinute[] = Array.from({ length: 60 }, (_, i) => ({
    minute: new Date((now - 59 + i) * 60_000).toISOString(),
    requests: 0,
    notModified: 0,
    byClient: emptyByClient(),
  }));
  for (const r of rows) {
    const slot = perMinute[r.minute - (now - 59)];
    if (!slot) continue;
    slot.requests += r.requests;
    slot.byClient[r.client] += r.requests;
    if (r.status === 304) slot.notModified += r.requests;
  }
  const windows = TRAFFIC_WINDOWS.map((minutes): TrafficWindow => {
    const byStatus: Record<string, number> = {};
    let requests = 0;
    for (const r of rows) {
      if (r.minute <= now - minutes) continue;
      requests += r.requests;
      byStatus[r.status] = (byStatus[r.status] ?? 0) + r.requests;
    }
    const notModified = byStatus["304"] ?? 0;
    return {
      minutes,
      requests,
      notModified,
      notModifiedShare: requests === 0 ? 0 : notModified / requests,
      tooManyRequests: byStatus["429"] ?? 0,
      unavailable: byStatus["503"] ?? 0,
      byStatus,
      top: log.top(minutes, TOP_CLIENTS).map((t) => {
        const slash = t.subject.indexOf("/");
        return {
          org: slash < 0 ? null : t.subject.slice(0, slash),
          feed: slash < 0 ? null : t.subject.slice(slash + 1),
          client: t.client,
          userAgent: t.userAgent,
          requests: t.requests,
        };
      }),
    };
  });
  return { at: new Date(nowMs).toISOString(), perMinute, windows };
}

/**
 * The lasting fetch telemetry as Prometheus families: requests by client family and status since the data began
 * (they survive restarts, unlike the per-process `shiftfeed_feed_requests_total`), and when each client family
 * last fetched any feed.
 */
export function telemetryMetrics(log: FetchLog): MetricFamily[] {
  return [
    {
      name: "shiftfeed_feed_fetches_total",
      help: "Feed requests by client family and status since the data dir began (kept across restarts)",
      type: "counter",
      samples: log
        .totals()
        .map((t) => ({ labels: { client: t.client, status: t.status }, value: t.requests })),
    },
    {
      name: "shiftfeed_feed_last_fetch_timestamp_seconds",
      help: "When each client family last fetched any feed, in seconds since the epoch",
      type: "gauge",
      samples: log.newestByClient().map((n) => ({ labels: { client: n.client }, value: n.at / 1000 })),
    },
  ];
}

/** Adds `from`'s counts into `into`, key by key. */
function addCounts<K extends string>(into: Record<K, number>, from: Record<K, number>): void {
  for (const [key, n] of Object.entries(from) as [K, number][]) into[key] = (into[key] ?? 0) + n;
}

/**
 * One traffic view from several taken at the same moment over disjoint requests (on Workers, each organization's
 * Durable Object keeps its own fetch log): counts added minute by minute and window by window, the busiest
 * clients re-ranked. Exact: a client among the busiest overall is among the busiest of its own view.
 * @param nowMs the moment the views were taken (minutes of a view taken at another are left out).
 */
export function mergeTraffic(views: readonly Traffic[], nowMs: number): Traffic {
  const merged = trafficView({ minuteCounts: () => [], top: () => [] }, nowMs);
  for (const view of views) {
    view.perMinute.forEach((minute, i) => {
      const slot = merged.perMinute[i];
      if (slot === undefined || slot.minute !== minute.minute) return;
      slot.requests += minute.requests;
      slot.notModified += minute.notModified;
      addCounts(slot.byClient, minute.byClient);
    });
    view.windows.forEach((window, i) => {
      const into = merged.windows[i];
      if (into === undefined || into.minutes !== window.minutes) return;
      into.requests += window.requests;
      into.notModified += window.notModified;
      into.tooManyRequests += window.tooManyRequests;
      into.unavailable += window.unavailable;
      addCounts(into.byStatus, window.byStatus);
      into.top.push(...window.top);
    });
  }
  for (const window of merged.windows) {
    window.notModifiedShare = window.requests === 0 ? 0 : window.notModified / window.requests;
    // The order the fetch log ranks in: requests, then subject (`org/feed`), client family and user agent.
    const key = (t: TopClient) =>
      [t.org === null ? "" : `${t.org}/${t.feed}`, t.client, t.userAgent].join("\u0000");
    window.top = window.top
      .sort((a, b) => b.requests - a.requests || (key(a) < key(b) ? -1 : 1))
      .slice(0, TOP_CLIENTS);
  }
  return merged;
}

/**
 * {@link telemetryMetrics} of several disjoint fetch logs as one (on Workers, every organization's): the request
 * counts added up, and for each client family the newest fetch of any.
 */
export function mergeTelemetryMetrics(lists: readonly MetricFamily[][]): MetricFamily[] {
  const merged = new Map<
    string,
    { family: MetricFamily; byLabels: Map<string, MetricFamily["samples"][0]> }
  >();
  for (const families of lists) {
    for (const family of families) {
      let into = merged.get(family.name);
      if (into === undefined) {
        into = { family: { ...family, samples: [] }, byLabels: new Map() };
        merged.set(family.name, into);
      }
      for (const sample of family.samples) {
        const key = JSON.stringify(Object.entries(sample.labels).sort(([a], [b]) => (a < b ? -1 : 1)));
        const seen = into.byLabels.get(key);
        if (seen === undefined) into.byLabels.set(key, { labels: sample.labels, value: sample.value });
        else
          seen.value =
            family.type === "counter" ? seen.value + sample.value : Math.max(seen.value, sample.value);
      }
    }
  }
  return [...merged.values()].map(({ family, byLabels }) => ({ ...family, samples: [...byLabels.values()] }));
}
