/**
 * A scanner behind a NAT, over real sockets: its guesses fail the checksum and take from the address's miss budget
 * only, so the live links polled from that same address are served throughout (docs/limits.md: an
 * address that spent its miss budget "is still served every live link"). Also the subscribe page's `429` follows
 * the feed's `Retry-After` rule. The harness clock stands still unless a test moves it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFeedTokens, type FeedTokens } from "../../src/core/tokens.ts";
import { agentFrom, get, pool, statuses } from "../support/clients.ts";
import { FEED_SECRET, makeSnapshot, startHarness, type Harness } from "../support/server.ts";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** `n` random tokens that fail the keyed checksum, as a scanner without the secret makes them. */
async function guesses(tokens: FeedTokens, n: number): Promise<string[]> {
  const out: string[] = [];
  while (out.length < n) {
    const t = Array.from({ length: 24 }, () => ALPHABET[Math.floor(Math.random() * 64)]).join("");
    if (!(await tokens.isWellFormed(t))) out.push(t);
  }
  return out;
}

describe("a scanner behind a NAT does not lock out the NAT's live links", () => {
  let h: Harness;
  let tokens: FeedTokens;
  let pA: string;
  let pB: string;
  beforeAll(async () => {
    h = await startHarness({ env: { CLIENT_LIMITS: "on", SERVE_THREADS: "2" } });
    expect((await h.publish(makeSnapshot())).status).toBe(200);
    pA = await h.feedPathOf("acme", "pA");
    pB = await h.feedPathOf("acme", "pB");
    tokens = await createFeedTokens(new TextEncoder().encode(FEED_SECRET));
  });
  afterAll(() => h.close());

  it("a burst of 1,500 random tokens from one address, then that address's live feed and subscribe page: 200", async () => {
    h.now += 3_600_000;
    const scan = await guesses(tokens, 1_500);
    const scanner = agentFrom("127.0.51.1", 16);
    const answers = await pool(scan.length, 16, (i) =>
      get(`${h.url}/feeds/${scan[i]}.ics`, { agent: scanner }),
    );
    scanner.destroy();
    expect(statuses(answers)).toEqual({ 404: 100, 429: 1_400 });
    expect((await get(h.url + pA, { from: "127.0.51.1" })).status).toBe(200);
    expect((await get(h.url + pB, { from: "127.0.51.1" })).status).toBe(200);
    const subscribe = pA.replace(/^\/feeds\/(.*)\.ics$/, "/subscribe/$1");
    expect((await get(h.url + subscribe, { from: "127.0.51.1" })).status).toBe(200);
  });

  it("a scan of 300 guesses a second for 8 s while a live link is polled every second from the same address: every poll served", async () => {
    h.now += 3_600_000;
    const scan = await guesses(tokens, 2_400);
    const scanner = agentFrom("127.0.52.1", 8);
    const polls: number[] = [];
    for (let second = 0; second < 8; second++) {
      const slice = scan.slice(second * 300, (second + 1) * 300);
      await pool(slice.length, 8, (i) => {
        h.now += 1000 / 300; // 300 guesses a second of the service's clock
        return get(`${h.url}/feeds/${slice[i]}.ics`, { agent: scanner });
      });
      polls.push((await get(h.url + pA, { from: "127.0.52.1" })).status);
    }
    scanner.destroy();
    expect(polls).toEqual([200, 200, 200, 200, 200, 200, 200, 200]);
  });
});

describe("the subscribe page's 429 follows the feed's Retry-After rule (they share a bucket)", () => {
  let h: Harness;
  let pA: string;
  beforeAll(async () => {
    h = await startHarness({ env: { CLIENT_LIMITS: "on", SERVE_THREADS: "2" } });
    expect((await h.publish(makeSnapshot())).status).toBe(200);
    pA = await h.feedPathOf("acme", "pA");
  });
  afterAll(() => h.close());

  it("800 requests for one link from one address, feed and subscribe page alike: the wait grows with the refusals", async () => {
    const subscribe = pA.replace(/^\/feeds\/(.*)\.ics$/, "/subscribe/$1");
    const waits: Record<string, number[]> = {};
    for (const [path, from] of [
      [pA, "127.0.53.1"],
      [subscribe, "127.0.53.2"],
    ] as const) {
      const agent = agentFrom(from, 8);
      const answers = await pool(800, 8, () => get(h.url + path, { agent, method: "HEAD" }));
      agent.destroy();
      expect(statuses(answers), path).toEqual({ 200: 200, 429: 600 });
      waits[path] = answers.filter((a) => a.status === 429).map((a) => Number(a.headers["retry-after"]));
    }
    for (const path of [pA, subscribe]) {
      const seen = waits[path]!;
      // The token bucket refills one every 1.5 s; 600 refusals are three bursts' worth: ×4 by the last ones (strikes 400–599).
      expect(Math.max(...seen.slice(0, 50)), path).toBeLessThanOrEqual(3);
      expect(Math.min(...seen.slice(-50)), path).toBeGreaterThanOrEqual(6);
    }
  });
});
