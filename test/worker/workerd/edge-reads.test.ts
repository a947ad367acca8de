// What a feed request costs at the edge (docs/test-checklist.md §E 34): at most one R2 read and no write for a 200, a
// 304, a HEAD, a rotated or unknown token; none at all for a malformed path; and a failing read answers 503 with
// Retry-After, never a 404 or an empty calendar (§D 30).
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { serveEdgeFeed } from "../../../src/worker/edge-feeds.ts";
import { feedTokensFor } from "../../../src/worker/feed-tokens.ts";
import { FEED_SECRET, makeSnapshot, T0 } from "../../support/fixture.ts";
import { admin, call, feedPathOf, publish, setClock } from "./support.ts";

/** The bucket, counting every call by name; `get` fails while `failing.on`. */
function counted(calls: Map<string, number>, failing = { on: false }): R2Bucket {
  return new Proxy(env.FEEDS, {
    get(target, name) {
      const value = Reflect.get(target, name) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls.set(String(name), (calls.get(String(name)) ?? 0) + 1);
        if (name === "get" && failing.on) return Promise.reject(new Error("injected R2 failure"));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

describe("feed requests at the edge", () => {
  it("cost at most one R2 read and no write, and a failed read answers 503", async () => {
    await setClock("reads", T0);
    expect((await publish(makeSnapshot({ organization: { id: "reads", name: "Reads" } }))).status).toBe(200);
    const path = await feedPathOf("reads", "pA");
    const etag = (await call("GET", path)).headers.get("etag")!;
    const tokens = await feedTokensFor(FEED_SECRET);
    const failing = { on: false };
    const serve = async (method: string, at: string, headers: Record<string, string> = {}) => {
      const calls = new Map<string, number>();
      const request = new Request(`https://feeds.example.org${at}`, { method, headers });
      const response = await serveEdgeFeed(request, counted(calls, failing), {
        tokens,
        recordFetch: () => undefined,
      });
      await response.arrayBuffer();
      return { status: response.status, retryAfter: response.headers.get("retry-after"), calls };
    };
    const reads = (calls: Map<string, number>) => Object.fromEntries(calls);

    for (const [method, headers, status] of [
      ["GET", { "accept-encoding": "gzip" }, 200],
      ["GET", {}, 200],
      ["HEAD", {}, 200],
      ["GET", { "if-none-match": etag }, 304],
    ] as const) {
      const { status: got, calls } = await serve(method, path, headers);
      expect(got).toBe(status);
      expect(reads(calls), `${method} ${JSON.stringify(headers)}`).toEqual({ get: 1 });
    }
    expect(reads((await serve("GET", "/feeds/not-a-token.ics")).calls)).toEqual({});
    expect((await admin("POST", "/admin/orgs/reads/people/pA/rotate")).status).toBe(200);
    const rotated = await serve("GET", path);
    expect(rotated.status).toBe(404);
    expect(reads(rotated.calls)).toEqual({ get: 1 });

    failing.on = true;
    const down = await serve("GET", await feedPathOf("reads", "pA"));
    expect(down.status).toBe(503);
    expect(Number(down.retryAfter)).toBeGreaterThanOrEqual(5);
  });
});
