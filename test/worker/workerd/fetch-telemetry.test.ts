// Fetch telemetry on Workers (docs/cloudflare.md › Fetch telemetry): Google and Apple polls show in the person
// lookup's `lastFetch` and in `GET /admin/traffic` once their isolate's batch reaches the organization's Durable
// Object — one call per batch, none per request — and every answered feed request leaves one Analytics Engine
// data point that names no token.
import {
  createExecutionContext,
  env,
  runDurableObjectAlarm,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { FetchNote } from "../../../src/core/fetch-log.ts";
import type { FeedEntry } from "../../../src/core/serving/feed-entry.ts";
import type { Traffic } from "../../../src/core/traffic.ts";
import type { WorkerEnv } from "../../../src/worker/env.ts";
import { createWorkerFetch } from "../../../src/worker/worker-app.ts";
import { makeSnapshot, T0 } from "../../support/fixture.ts";
import { admin, feedPathOf, orgObject, publish, setClock } from "./support.ts";

const GOOGLE = "Google-Calendar-Importer";
const IOS = "iOS/18.1 (22B83) dataaccessd/1.0";
const MACOS = "macOS/14.5 (23F79) CalendarAgent/988";

/**
 * The Worker's environment with its real bindings, the Durable Object calls counted (each batch's size) and the
 * Analytics Engine data points seen on their way to the real dataset binding.
 */
function watched() {
  const batches: number[] = [];
  const points: AnalyticsEngineDataPoint[] = [];
  const orgs = {
    idFromName: (name: string) => env.ORGS.idFromName(name),
    get: (id: DurableObjectId) => {
      const stub = env.ORGS.get(id);
      return {
        recordFetches: (notes: FetchNote[]) => {
          batches.push(notes.length);
          return stub.recordFetches(notes);
        },
        subscribeInfo: (entry: FeedEntry) => stub.subscribeInfo(entry),
      };
    },
  } as unknown as WorkerEnv["ORGS"];
  const analytics: AnalyticsEngineDataset = {
    writeDataPoint(point) {
      points.push(structuredClone(point ?? {}));
      env.FEED_ANALYTICS!.writeDataPoint(point);
    },
  };
  const watchedEnv: WorkerEnv = { ...env, ORGS: orgs, FEED_ANALYTICS: analytics };
  return { batches, points, env: watchedEnv };
}

async function setUp(org: string) {
  await setClock(org, T0);
  expect((await publish(makeSnapshot({ organization: { id: org, name: org } }))).status).toBe(200);
  return feedPathOf(org, "pA");
}

/** Polls through the Worker, each request with its own execution context; returns them to wait on. */
async function poll(
  fetch: ReturnType<typeof createWorkerFetch>,
  path: string,
  headers: Record<string, string>,
) {
  const ctx = createExecutionContext();
  const response = await fetch(new Request(`https://feeds.example.org${path}`, { headers }), ctx);
  await response.arrayBuffer();
  return { ctx, status: response.status, etag: response.headers.get("etag") };
}

/** The organization's stored last-fetch rows, and whether its alarm is set. */
const storedFetches = (org: string) =>
  runInDurableObject(orgObject(org), async (_object, state) => ({
    rows: state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM fetch_last").one().n,
    alarm: (await state.storage.getAlarm()) !== null,
  }));

const lastFetch = async (org: string) =>
  ((await admin("GET", `/admin/orgs/${org}/people/pA`)).json as { lastFetch: unknown[] }).lastFetch;

describe("fetch telemetry on Workers", () => {
  it("shows Google and Apple polls in lastFetch, /metrics and the traffic view once the batch is sent: one Durable Object call, not one per poll", async () => {
    const path = await setUp("tele");
    const seen = watched();
    let now = Date.parse("2026-12-07T09:00:00Z");
    const fetch = createWorkerFetch(seen.env, { batchMs: 2_000, clock: () => now });
    const ctxs: ExecutionContext[] = [];
    const send = async (ua: string, extra: Record<string, string> = {}) => {
      now += 1_000;
      const reply = await poll(fetch, path, { "user-agent": ua, ...extra });
      ctxs.push(reply.ctx);
      return reply;
    };
    const first = await send(GOOGLE);
    expect(first.status).toBe(200);
    await send(GOOGLE);
    expect((await send(GOOGLE, { "if-none-match": first.etag! })).status).toBe(304);
    await send(IOS);
    await send(MACOS);

    // Nothing durable yet: the polls are notes in the isolate's memory.
    expect(seen.batches).toEqual([]);
    expect(await lastFetch("tele")).toEqual([]);

    await Promise.all(ctxs.map((ctx) => waitOnExecutionContext(ctx)));
    expect(seen.batches).toEqual([5]);
    // The Durable Object holds the batch until its alarm writes the notes of every isolate together.
    expect(await storedFetches("tele")).toEqual({ rows: 0, alarm: true });
    expect(await runDurableObjectAlarm(orgObject("tele"))).toBe(true);
    expect(await storedFetches("tele")).toEqual({ rows: 2, alarm: false });
    expect(await lastFetch("tele")).toEqual([
      { client: "apple", userAgent: MACOS, at: "2026-12-07T09:00:05.000Z", status: 200, requests: 2 },
      { client: "google", userAgent: GOOGLE, at: "2026-12-07T09:00:03.000Z", status: 304, requests: 3 },
    ]);

    // `/metrics` adds up the lasting counts of every organization's object, not one isolate's.
    const scrape = (await admin("GET", "/metrics")).text;
    expect(scrape).toContain('shiftfeed_feed_fetches_total{client="google",status="200"} 2\n');
    expect(scrape).toContain('shiftfeed_feed_fetches_total{client="google",status="304"} 1\n');
    expect(scrape).toContain('shiftfeed_feed_fetches_total{client="apple",status="200"} 2\n');
    expect(scrape).toContain(`shiftfeed_feed_last_fetch_timestamp_seconds{client="apple"} ${now / 1000}\n`);

    // The traffic view adds up every organization's object (here, as of a minute after the polls).
    await setClock("tele", now + 60_000);
    const traffic = (await admin("GET", "/admin/traffic")).json as Traffic;
    const hour = traffic.windows.find((w) => w.minutes === 60)!;
    expect(hour.requests).toBeGreaterThanOrEqual(5);
    expect(hour.top).toContainEqual({
      org: "tele",
      feed: "person/pA",
      client: "google",
      userAgent: GOOGLE,
      requests: 3,
    });
  });

  it("sends a full batch at once, and every answer leaves an Analytics Engine data point with no token", async () => {
    const path = await setUp("tele-full");
    const seen = watched();
    const fetch = createWorkerFetch(seen.env, { batchMs: 60_000, batchNotes: 4 });
    const ctxs: ExecutionContext[] = [];
    for (let i = 0; i < 8; i++)
      ctxs.push((await poll(fetch, path, { "user-agent": i % 2 ? IOS : GOOGLE })).ctx);
    const unknown = await poll(fetch, "/feeds/AAAAAAAAAAAAAAAAAAAAAAAA.ics", { "user-agent": GOOGLE });
    expect(unknown.status).toBe(404);
    // Two full batches went without waiting their minute, each sent by the request that filled it (the first
    // requests' timers still wait their minute, then find nothing to send); the unknown token names no
    // organization to send to.
    await Promise.all([ctxs[3]!, ctxs[7]!, unknown.ctx].map((ctx) => waitOnExecutionContext(ctx)));
    expect(seen.batches).toEqual([4, 4]);
    const requests = ((await lastFetch("tele-full")) as { client: string; requests: number }[]).map(
      ({ client, requests }) => [client, requests],
    );
    expect(requests.sort()).toEqual([
      ["apple", 4],
      ["google", 4],
    ]);

    expect(seen.points).toHaveLength(9);
    expect(seen.points[0]).toEqual({
      indexes: ["tele-full"],
      blobs: ["tele-full", "person", "google", "200"],
      doubles: [200],
    });
    expect(seen.points[1]!.blobs).toEqual(["tele-full", "person", "apple", "200"]);
    expect(seen.points[8]).toEqual({ indexes: [""], blobs: ["", "", "google", "404"], doubles: [404] });
    const token = path.slice("/feeds/".length, -".ics".length);
    for (const point of seen.points) {
      const text = JSON.stringify(point);
      for (const secret of [token, "AAAAAAAAAAAAAAAAAAAAAAAA", "/feeds/", "dataaccessd", "Importer"]) {
        expect(text).not.toContain(secret);
      }
    }
  });

  it("counts a live subscribe page in its organization's traffic as a request that opened no feed, and every page in the data points", async () => {
    const page = (await setUp("tele-page")).replace(/^\/feeds\/(.*)\.ics$/, "/subscribe/$1");
    const seen = watched();
    const fetch = createWorkerFetch(seen.env, { batchMs: 1_000 });
    const live = await poll(fetch, page, { "user-agent": IOS });
    expect(live.status).toBe(200);
    const unknown = await poll(fetch, "/subscribe/AAAAAAAAAAAAAAAAAAAAAAAA", { "user-agent": IOS });
    expect(unknown.status).toBe(404);
    await Promise.all([live.ctx, unknown.ctx].map((ctx) => waitOnExecutionContext(ctx)));
    // The live page went to its organization in one batch; the unknown one names no organization.
    expect(seen.batches).toEqual([1]);
    expect(await runDurableObjectAlarm(orgObject("tele-page"))).toBe(true);
    const traffic = (await admin("GET", "/admin/traffic")).json as Traffic;
    const hour = traffic.windows.find((w) => w.minutes === 60)!;
    expect(hour.top).toContainEqual({ org: null, feed: null, client: "apple", userAgent: IOS, requests: 1 });
    // A page opens no feed: no lastFetch for the person.
    expect(await lastFetch("tele-page")).toEqual([]);
    expect(seen.points.map((point) => point.blobs)).toEqual([
      ["tele-page", "page", "apple", "200"],
      ["", "page", "apple", "404"],
    ]);
  });
});
