/**
 * Per-client limits over real sockets (docs/test-checklist.md items 19, 35 and 39): every client is a distinct loopback
 * source address. The harness clock stands still unless a test moves it, so buckets refill only when told to and
 * the counts below are exact. "No storage read" is read from the serving threads' own counter of reads that
 * went to storage (`shiftfeed_feed_store_reads_total`).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFeedTokens } from "../../src/core/tokens.ts";
import { agentFrom, get, pool, sample, statuses } from "../support/clients.ts";
import { FEED_SECRET, makeSnapshot, startHarness, type Harness } from "../support/server.ts";

/** Storage reads by the serving threads so far (lookups and bodies). */
async function reads(h: Harness): Promise<number> {
  await h.settle();
  const text = (await h.admin("GET", "/metrics")).text;
  return (
    sample(text, "shiftfeed_feed_store_reads_total", 'kind="lookup"') +
    sample(text, "shiftfeed_feed_store_reads_total", 'kind="body"')
  );
}

/** A refusal counter of `/metrics`. */
async function refusals(h: Harness, limit: string): Promise<number> {
  return sample((await h.admin("GET", "/metrics")).text, "shiftfeed_refused_total", `limit="${limit}"`);
}

const retryAfter = (a: { headers: Record<string, unknown> }) => Number(a.headers["retry-after"]);

describe("per-client limits (defaults: 200 a token from one address, 100 misses and 1,000 requests an address)", () => {
  let h: Harness;
  let pA: string;
  let pB: string;
  beforeAll(async () => {
    h = await startHarness({ env: { CLIENT_LIMITS: "on", SERVE_THREADS: "2" } });
    expect((await h.publish(makeSnapshot())).status).toBe(200);
    pA = await h.feedPathOf("acme", "pA");
    pB = await h.feedPathOf("acme", "pB");
  });
  afterAll(() => h.close());

  it("item 19: a scan of 10,000 random tokens is cut off after the miss budget (429 + Retry-After, no storage read); other clients are unaffected", async () => {
    const tokens = await createFeedTokens(new TextEncoder().encode(FEED_SECRET));
    // Random guesses, as a scanner without the secret makes them: each fails the checksum (the 1 in 65,536 that
    // would pass is left out, so the count of reads is exact).
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const scan: string[] = [];
    while (scan.length < 10_000) {
      const t = Array.from({ length: 24 }, () => alphabet[Math.floor(Math.random() * 64)]).join("");
      if (!(await tokens.isWellFormed(t))) scan.push(t);
    }
    const before = await reads(h);
    const scanner = agentFrom("127.0.19.1", 16);
    const answers = await pool(scan.length, 16, (i) =>
      get(`${h.url}/feeds/${scan[i]}.ics`, { agent: scanner }),
    );
    scanner.destroy();
    expect(statuses(answers)).toEqual({ 404: 100, 429: 9_900 });
    const refused = answers.filter((a) => a.status === 429);
    for (const a of refused) {
      expect(retryAfter(a)).toBeGreaterThanOrEqual(1);
      expect(JSON.parse(a.body.toString()).error.code).toBe("rate_limited");
    }
    // Repeat offenders wait longer: refusals by the miss budget (the 900 before the address budget of 1,000
    // requests runs out too) double their wait every 100 strikes.
    const misses = refused.slice(0, 900).map(retryAfter);
    const late = misses.slice(-100).sort((a, b) => a - b);
    expect(late[50]).toBeGreaterThan(4 * Math.max(...misses.slice(0, 10)));
    expect((await reads(h)) - before).toBe(0); // a checksum failure never reaches storage
    // A subscriber on another address is served as ever.
    expect((await get(h.url + pA, { from: "127.0.19.2" })).status).toBe(200);
  });

  it("item 35: 1,000 requests in 10 s for one token pass its burst of 200, then 429 with growing, jittered Retry-After and no storage read; other tokens are unaffected", async () => {
    h.now += 3_600_000; // every bucket full again
    const hammer = agentFrom("127.0.35.1", 8);
    await get(h.url + pA, { agent: hammer }); // warm: validators and body cached
    const before = await reads(h);
    const answers = await pool(999, 8, async () => {
      h.now += 10; // 999 requests over 10 s of the service's clock: 6.7 tokens refill (2,400 an hour)
      return get(h.url + pA, { agent: hammer });
    });
    expect(statuses(answers)).toEqual({ 200: 205, 429: 794 });
    // Refusals read nothing: at most the other serving thread's first lookup and body read of this feed.
    expect((await reads(h)) - before).toBeLessThanOrEqual(2);
    const waits = answers.filter((a) => a.status === 429).map(retryAfter);
    // The first refusals wait 1.5 s for a token (+ up to half again). Answers are in the order sent; two serving
    // threads may process them a little out of that order on a loaded machine, so only the shortest is pinned.
    expect(Math.min(...waits.slice(0, 19))).toBeLessThanOrEqual(3);
    // A repeat offender: the wait doubles every burst's worth (200) of refusals, three times by the end.
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    expect(median(waits.slice(-100))).toBeGreaterThan(3 * median(waits.slice(0, 100)));
    expect(new Set(waits).size).toBeGreaterThan(1); // jittered
    // The same client's other token, and the hammered token once it refilled, are served.
    expect((await get(h.url + pB, { agent: hammer })).status).toBe(200);
    hammer.destroy();
    h.now += 3_600_000;
    expect((await get(h.url + pA, { from: "127.0.35.2" })).status).toBe(200);
  });

  it("a hot token's 304 reads nothing", async () => {
    h.now += 3_600_000;
    const first = await get(h.url + pB, { from: "127.0.36.1" });
    const inm = { "if-none-match": String(first.headers.etag) };
    // Warm every serving thread's validator cache (fresh connections land on either thread).
    for (let i = 0; i < 8; i++) await get(h.url + pB, { from: "127.0.36.1", headers: inm });
    const before = await reads(h);
    for (let i = 0; i < 10; i++) {
      expect((await get(h.url + pB, { from: "127.0.36.1", headers: inm })).status).toBe(304);
    }
    expect((await reads(h)) - before).toBe(0);
  });

  it("per address: 1,000 requests at once, then 429 for that address only", async () => {
    h.now += 3_600_000;
    const before = await refusals(h, "address");
    const paths = [pA, pB];
    const agent = agentFrom("127.0.37.1", 8);
    const answers = await pool(1_100, 8, (i) =>
      get(h.url + paths[i % 2]!, { agent, headers: { "if-none-match": "*" } }),
    );
    agent.destroy();
    // Each token's own budget for this address (200) refuses first; the address budget (1,000) counts every
    // request.
    expect(statuses(answers)).toEqual({ 304: 400, 429: 700 });
    expect((await refusals(h, "address")) - before).toBe(100);
    expect((await get(h.url + "/healthz", { from: "127.0.37.2" })).status).toBe(200);
  });
});

describe("item 39 (the Node analogue of a per-location limit): a token's quota holds across serving threads", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { CLIENT_LIMITS: "on", SERVE_THREADS: "3" } });
    expect((await h.publish(makeSnapshot())).status).toBe(200);
  });
  afterAll(() => h.close());

  it("300 requests at once on fresh connections (spread over 3 threads): exactly the burst passes, the rest 429, none 5xx", async () => {
    const path = await h.feedPathOf("acme", "pA");
    const answers = await pool(300, 60, () => get(h.url + path, { from: "127.0.39.1" }));
    // A bucket per thread would have let up to 3 × 200 through.
    expect(statuses(answers)).toEqual({ 200: 200, 429: 100 });
  });
});

describe("a trusted proxy's header names the client only when configured", () => {
  const unknown = "/feeds/AAAAAAAAAAAAAAAAAAAAAAAA.ics";

  it("CLIENT_IP_HEADER=X-Forwarded-For: budgets follow the last address in the header", async () => {
    const h = await startHarness({
      env: { CLIENT_LIMITS: "on", CLIENT_IP_HEADER: "X-Forwarded-For", LIMIT_MISS_BURST: "5" },
    });
    try {
      const miss = (xff: string) => get(h.url + unknown, { headers: { "x-forwarded-for": xff } });
      const seen = [];
      for (let i = 0; i < 7; i++) seen.push((await miss("192.0.2.50, 203.0.113.1")).status);
      expect(seen).toEqual([404, 404, 404, 404, 404, 429, 429]);
      expect((await miss("192.0.2.50, 203.0.113.2")).status).toBe(404); // another client behind the proxy
    } finally {
      await h.close();
    }
  });

  it("without it, a forged header does not escape the peer's budget", async () => {
    const h = await startHarness({ env: { CLIENT_LIMITS: "on", LIMIT_MISS_BURST: "5" } });
    try {
      const seen = [];
      for (let i = 0; i < 7; i++) {
        const a = await get(h.url + unknown, { headers: { "x-forwarded-for": `203.0.113.${i}` } });
        seen.push(a.status);
      }
      expect(seen).toEqual([404, 404, 404, 404, 404, 429, 429]);
    } finally {
      await h.close();
    }
  });
});
