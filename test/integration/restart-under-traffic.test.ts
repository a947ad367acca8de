/**
 * Restarting under traffic, as a load balancer or a deploy script sees it: the service (`node src/node/main.ts`, a
 * real process on a real port) is stopped and started again and again; `/healthz` is polled until it answers `200`,
 * then a burst of feed requests goes out at once, each on its own connection. Every one of them must get the real
 * answer — `200`, `304` for a current tag, `404` for an unknown token — never `503` "starting" and never a
 * connection reset: once the service says it is healthy, it is.
 */
import { createServer } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { get } from "../support/clients.ts";
import { startMain, type MainProcess } from "../support/process.ts";
import { ADMIN_TOKEN, FEED_SECRET, feedPath, makeSnapshot, raw } from "../support/server.ts";

/** Restarts per run: the hand-over race shows within a few on the old code. */
const ROUNDS = 8;

/** A port free right now on 127.0.0.1. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("restart under traffic: once /healthz says 200, every request gets the real answer", () => {
  let dir: string;
  let port: number;
  let env: Record<string, string>;
  let main: MainProcess | null = null;
  let base: string;
  const feeds: { path: string; etag: string }[] = [];

  /** Starts the service and polls `/healthz` every few ms until the first `200` (anything before it is fine). */
  async function startAndWaitHealthy(): Promise<void> {
    main = startMain(env);
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`never healthy:\n${main.stdout()}\n${main.stderr()}`);
      const answer = await get(`${base}/healthz`).catch(() => null);
      if (answer?.status === 200) return;
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "shiftfeed-restart-"));
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = {
      DATA_DIR: join(dir, "data"),
      PORT: String(port),
      HOST: "127.0.0.1",
      ADMIN_TOKEN,
      FEED_SECRET,
      DEMO: "0",
      // More serving threads than cores: they come up one after another, which widens any hand-over window.
      SERVE_THREADS: "3",
      RENDER_THREADS: "1",
    };
    await startAndWaitHealthy();
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" };
    const published = await raw("PUT", `${base}/admin/orgs/acme/schedules/icu`, {
      headers: auth,
      body: JSON.stringify(makeSnapshot()),
    });
    expect(published.status, published.text).toBe(200);
    for (const person of ["pA", "pB"]) {
      const lookup = await raw("GET", `${base}/admin/orgs/acme/people/${person}`, { headers: auth });
      expect(lookup.status).toBe(200);
      const path = feedPath((lookup.json as { feed: { url: string } }).feed.url);
      const feed = await get(base + path);
      expect(feed.status).toBe(200);
      feeds.push({ path, etag: String(feed.headers.etag) });
    }
  }, 60_000);

  afterAll(async () => {
    await main?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it(`${ROUNDS} restarts, each followed at once by a burst of 60 requests: no 503, no reset`, async () => {
    const wrong: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Stopped as an operator does, once the process has said it is up (its signal handlers are in place).
      await main!.waitFor(/shiftfeed listening/);
      expect(await main!.stop()).toBe(0);
      await startAndWaitHealthy();
      // Right after the first healthy answer: 60 requests at once, each on its own connection.
      const burst = Array.from({ length: 60 }, (_, i) => {
        const feed = feeds[i % feeds.length]!;
        const kind = i % 3;
        const path = kind === 2 ? "/feeds/AAAAAAAAAAAAAAAAAAAAAAAA.ics" : feed.path;
        const headers = kind === 1 ? { "if-none-match": feed.etag } : {};
        const expected = [200, 304, 404][kind]!;
        return get(base + path, { headers }).then(
          (answer) => {
            if (answer.status !== expected)
              wrong.push(`round ${round}: ${answer.status} ${answer.body.toString("utf8").slice(0, 80)}`);
          },
          (error: NodeJS.ErrnoException) => wrong.push(`round ${round}: ${error.code ?? error.message}`),
        );
      });
      await Promise.all(burst);
    }
    expect(wrong).toEqual([]);
  }, 300_000);
});
