// Per-client limits of feed requests at the edge, inside workerd with the Rate Limiting bindings of wrangler.toml
// (simulated by miniflare: a fixed 60 s window per key). The client is `CF-Connecting-IP`. A scan is refused while
// the scanning address's live links are served; dead links are counted against no one and cost the one R2 read a
// request makes anyway; a shared fetcher and a shared link are never refused; one client hammering a link is held.
// Windows are aligned to the clock, so a loop that must meet a refusal runs up to two windows' worth of requests,
// and checks that follow a refusal are made again, once, when a window ended while they ran (`inOneWindow`).
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_LIMITS } from "../../../src/core/limits/settings.ts";
import { serveEdgeFeed } from "../../../src/worker/edge-feeds.ts";
import { EDGE_LIMIT_PERIOD_SECONDS, EdgeLimits, HELD_SECONDS } from "../../../src/worker/edge-limits.ts";
import { edgeKey } from "../../../src/worker/edge-sync.ts";
import { feedTokensFor } from "../../../src/worker/feed-tokens.ts";
import { FEED_SECRET, makeSnapshot, T0 } from "../../support/fixture.ts";
import { admin, call, feedPathOf, publish, setClock, watchedBucket } from "./support.ts";

const ORG = "limits";
/** Requests per window for one live link from one address, and misses from one address (wrangler.toml). */
const LINK = DEFAULT_LIMITS.token.burst;
const MISSES = DEFAULT_LIMITS.misses.burst;
/** An address in Google's published fetcher ranges (`src/core/limits/shared-fetchers.ts`). */
const GOOGLE = "66.249.66.1";

const from = (address: string, path: string, method = "GET") =>
  call(method, path, { headers: { "cf-connecting-ip": address } });

/** A path whose token fails the checksum: a random guess. */
function guess(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return `/feeds/${Array.from(bytes, (b) => alphabet[b % 64]).join("")}.ics`;
}

/** Requests `path` from `address` until a `429`, at most `max` times; the statuses before it and the refusal. */
async function untilRefused(address: string, path: () => string, max: number) {
  const before: number[] = [];
  for (let i = 0; i < max; i++) {
    const reply = await from(address, path());
    if (reply.status === 429) return { before, refused: reply };
    before.push(reply.status);
  }
  return { before, refused: null };
}

/**
 * Runs `checks`, and once more if they failed while a window of the bindings ended under them (a refusal met in
 * one window is not owed in the next): counts that must hold within one window are then checked within one.
 */
async function inOneWindow(checks: () => Promise<void>): Promise<void> {
  const windowOf = () => Math.floor(Date.now() / (EDGE_LIMIT_PERIOD_SECONDS * 1000));
  const started = windowOf();
  try {
    await checks();
  } catch (error) {
    if (windowOf() === started) throw error;
    await checks();
  }
}

/** Statuses of many requests, 25 at a time. */
async function statuses(requests: (() => Promise<{ status: number }>)[]): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < requests.length; i += 25) {
    out.push(...(await Promise.all(requests.slice(i, i + 25).map((r) => r()))).map((r) => r.status));
  }
  return out;
}

/** Serves one request to `serveEdgeFeed` with `limits`, from `address`, and lists the R2 calls it made. */
function reader(limits: EdgeLimits, address: string) {
  return async (path: string) => {
    const calls: string[] = [];
    const bucket = watchedBucket((method) => calls.push(method));
    const request = new Request(`https://feeds.example.org${path}`, {
      headers: { "cf-connecting-ip": address },
    });
    const tokens = await feedTokensFor(FEED_SECRET);
    const response = await serveEdgeFeed(request, bucket, { tokens, limits, recordFetch: () => undefined });
    await response.arrayBuffer();
    return { status: response.status, calls };
  };
}

const paths = { live: [] as string[], dead: [] as string[], neverIssued: "" };

beforeAll(async () => {
  await setClock(ORG, T0);
  expect((await publish(makeSnapshot({ organization: { id: ORG, name: "Limits" } }))).status).toBe(200);
  // Two rotations of pA: two dead links; pA's and pB's current links are live.
  for (let i = 0; i < 2; i++) {
    paths.dead.push(await feedPathOf(ORG, "pA"));
    expect((await admin("POST", `/admin/orgs/${ORG}/people/pA/rotate`)).status).toBe(200);
  }
  paths.live.push(await feedPathOf(ORG, "pA"), await feedPathOf(ORG, "pB"));
  const tokens = await feedTokensFor(FEED_SECRET);
  const token = await tokens.derive({ kind: "person", org: ORG, id: "nobody", version: 1 });
  paths.neverIssued = `/feeds/${token}.ics`;
});

describe("per-client limits at the edge", () => {
  it("a scan of random tokens from one address is refused with Retry-After, while its live feed still serves", async () => {
    await inOneWindow(async () => {
      const scanner = "198.51.100.7";
      const { before, refused } = await untilRefused(scanner, guess, 2 * MISSES + 1);
      expect(refused, "the scan was never refused").not.toBeNull();
      expect(before.every((s) => s === 404)).toBe(true);
      expect(before.length).toBeGreaterThanOrEqual(MISSES); // a fresh key's window lets a whole budget through
      expect((refused!.json as { error: { code: string } }).error.code).toBe("rate_limited");
      const retryAfter = Number(refused!.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(EDGE_LIMIT_PERIOD_SECONDS);
      expect(retryAfter).toBeLessThanOrEqual(EDGE_LIMIT_PERIOD_SECONDS * 1.5);
      // A well-formed token never issued is a miss too (refused now); a dead link is none; live links serve.
      expect((await from(scanner, paths.neverIssued)).status).toBe(429);
      expect((await from(scanner, paths.dead[0]!)).status).toBe(404);
      for (const path of paths.live) expect((await from(scanner, path)).status).toBe(200);
    });
    // Another address is not held by this one's scan.
    expect((await from("198.51.100.8", guess())).status).toBe(404);
  });

  it("the subscribe page is under the budgets of its feed: a scan of pages is refused, the scanner's live page is not, a dead link's page counts against no one", async () => {
    const page = (path: string) => path.replace(/^\/feeds\/(.+)\.ics$/, "/subscribe/$1");
    await inOneWindow(async () => {
      const scanner = "198.51.100.9";
      const { before, refused } = await untilRefused(scanner, () => page(guess()), 2 * MISSES + 1);
      expect(refused, "the scan of subscribe pages was never refused").not.toBeNull();
      expect(before.every((s) => s === 404)).toBe(true);
      expect(refused!.headers.get("content-type")).toMatch(/^text\/html/);
      expect(Number(refused!.headers.get("retry-after"))).toBeGreaterThanOrEqual(EDGE_LIMIT_PERIOD_SECONDS);
      // The same address's misses on feeds are refused too (one budget), its live page and feed are served.
      expect((await from(scanner, guess())).status).toBe(429);
      expect((await from(scanner, page(paths.live[0]!))).status).toBe(200);
      expect((await from(scanner, paths.live[0]!)).status).toBe(200);
    });
    // A dead link's page, polled past both budgets from one address: always the plain 404.
    const dead = await statuses(
      Array.from(
        { length: LINK + MISSES + 10 },
        (_, i) => () => from("203.0.113.30", page(paths.dead[i % 2]!)),
      ),
    );
    expect(dead.filter((s) => s !== 404)).toEqual([]);
  });

  it("dead links answer the plain 404, are never counted, and cost the one R2 read", async () => {
    const poller = "203.0.113.20";
    const dead = await statuses(
      Array.from({ length: LINK + MISSES + 10 }, (_, i) => () => from(poller, paths.dead[i % 2]!)),
    );
    expect(dead.filter((s) => s !== 404)).toEqual([]);
    const unknown = await from("203.0.113.21", paths.neverIssued);
    const rotated = await from("203.0.113.21", paths.dead[0]!);
    expect(rotated.status).toBe(404);
    expect(rotated.text).toBe(unknown.text);
    // The dead marker under the old link's hash.
    const tokens = await feedTokensFor(FEED_SECRET);
    const hash = await tokens.hash(paths.dead[0]!.slice("/feeds/".length, -".ics".length));
    expect((await env.FEEDS.head(edgeKey(hash)))?.customMetadata).toEqual({ dead: "rotated" });

    // R2 calls per request, limits on: one read for a live, dead or never-issued token; none for a guess.
    const reads = reader(new EdgeLimits(env, []), "203.0.113.22");
    expect(await reads(paths.live[0]!)).toEqual({ status: 200, calls: ["get"] });
    expect(await reads(paths.dead[1]!)).toEqual({ status: 404, calls: ["get"] });
    expect(await reads(paths.neverIssued)).toEqual({ status: 404, calls: ["get"] });
    expect(await reads(guess())).toEqual({ status: 404, calls: [] });
  });

  it("a shared fetcher's address polling many live and dead links, and mistyped ones, is never refused", async () => {
    const polls = [...paths.live, ...paths.dead].flatMap((path) =>
      Array.from({ length: LINK + 10 }, () => () => from(GOOGLE, path)),
    );
    const misses = Array.from({ length: MISSES + 10 }, () => () => from(GOOGLE, guess()));
    const got = await statuses([...polls, ...misses]);
    expect(got.filter((s) => s === 429)).toEqual([]);
    expect(got.slice(0, (LINK + 10) * 2).every((s) => s === 200)).toBe(true);
    // The same from an ordinary address is refused: the shared fetcher's budgets are what let it through.
    const ordinary = await statuses(
      Array.from({ length: MISSES + 10 }, () => () => from("192.0.2.99", guess())),
    );
    expect(ordinary).toContain(429);
  });

  it("one link polled from 100 addresses is never refused", async () => {
    const got = await statuses(
      Array.from({ length: 300 }, (_, i) => () => from(`10.1.0.${i % 100}`, paths.live[1]!)),
    );
    expect(got.length).toBeGreaterThan(LINK);
    expect(got.filter((s) => s !== 200)).toEqual([]);
  });

  it("one client hammering one link is held, while the link serves everyone else", async () => {
    const hammer = "192.0.2.50";
    const { before, refused } = await untilRefused(hammer, () => paths.live[0]!, 2 * LINK + 1);
    expect(refused, "the hammering client was never refused").not.toBeNull();
    expect(before.every((s) => s === 200)).toBe(true);
    expect(before.length).toBeGreaterThanOrEqual(LINK);
    expect(Number(refused!.headers.get("retry-after"))).toBeGreaterThanOrEqual(EDGE_LIMIT_PERIOD_SECONDS);
    expect((await from(hammer, paths.live[0]!)).status).toBe(429);
    expect((await from(hammer, paths.live[0]!, "HEAD")).status).toBe(429);
    expect((await from("192.0.2.51", paths.live[0]!)).status).toBe(200);
    expect((await from(hammer, paths.live[1]!)).status).toBe(200);
    expect((await from(hammer, paths.dead[0]!)).status).toBe(404);
  });

  it(`a held client's further polls cost no R2 read for ${HELD_SECONDS} s`, async () => {
    let now = Date.now();
    const reads = reader(new EdgeLimits(env, [], Math.random, () => now), "192.0.2.60");
    let refused: Awaited<ReturnType<typeof reads>> | null = null;
    for (let i = 0; i < 2 * LINK + 1 && refused === null; i++) {
      const reply = await reads(paths.live[0]!);
      if (reply.status === 429) refused = reply;
    }
    expect(refused).toEqual({ status: 429, calls: ["get"] });
    expect(await reads(paths.live[0]!)).toEqual({ status: 429, calls: [] });
    now += HELD_SECONDS * 1000;
    expect((await reads(paths.live[0]!)).calls).toEqual(["get"]);
  });
});
