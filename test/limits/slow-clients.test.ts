/**
 * Slow and broken clients (TEST-CHECKLIST item 38): 500 connections trickling their headers, from one address and
 * from 500. Over the per-address bound a connection is closed as it is accepted; the rest are closed by the header
 * timeout; meanwhile ordinary polls and health checks stay fast and open connections stay bounded.
 */
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { get, sample } from "../support/clients.ts";
import { makeSnapshot, startHarness, type Harness } from "../support/server.ts";

interface Trickler {
  socket: Socket;
  closedAt: number | null;
}

/**
 * Opens a connection from `from` that sends a request line and then one header line every 300 ms, and never reads
 * what it is sent (so only the server closing the socket ends it).
 */
function trickle(port: number, from: string, started: number): Trickler {
  const socket = connect({ port, host: "127.0.0.1", localAddress: from });
  const t: Trickler = { socket, closedAt: null };
  let n = 0;
  const timer = setInterval(() => socket.writable && socket.write(`X-Slow-${n++}: a\r\n`), 300);
  socket.on("connect", () => socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n"));
  socket.on("error", () => undefined);
  socket.on("close", () => {
    clearInterval(timer);
    t.closedAt = performance.now() - started;
  });
  return t;
}

describe("item 38: slowloris", () => {
  let h: Harness;
  let path: string;
  beforeAll(async () => {
    h = await startHarness({
      env: { SERVE_THREADS: "2", HEADERS_TIMEOUT_SECONDS: "2", MAX_CONNECTIONS_PER_ADDRESS: "100" },
    });
    expect((await h.publish(makeSnapshot())).status).toBe(200);
    path = await h.feedPathOf("acme", "pA");
  });
  afterAll(() => h.close());

  /** Polls a feed and the health check from another address every 50 ms until `until` resolves. */
  async function pollWhile(until: Promise<unknown>) {
    const ms: number[] = [];
    let done = false;
    const stop = () => (done = true);
    void until.then(stop, stop);
    while (!done) {
      const feed = await get(h.url + path, { from: "127.0.38.250" });
      const health = await get(h.url + "/healthz", { from: "127.0.38.250" });
      expect(feed.status).toBe(200);
      expect(health.status).toBe(200);
      ms.push(feed.ms, health.ms);
      await new Promise((r) => setTimeout(r, 50));
    }
    await until; // a rejection (connections still open) fails the test here
    return ms;
  }

  const closedAll = (ts: Trickler[], withinMs: number) =>
    new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error("connections still open")), withinMs);
      const check = setInterval(() => {
        if (ts.every((t) => t.closedAt !== null)) {
          clearInterval(check);
          clearTimeout(deadline);
          resolve();
        }
      }, 50);
    });

  it("500 from one address: all but the per-address bound closed at once, the rest by the header timeout; polls stay fast", async () => {
    const port = Number(new URL(h.url).port);
    const started = performance.now();
    const ts = Array.from({ length: 500 }, () => trickle(port, "127.0.38.1", started));
    await new Promise((r) => setTimeout(r, 500));
    const early = ts.filter((t) => t.closedAt !== null).length;
    expect(early).toBeGreaterThanOrEqual(400); // over MAX_CONNECTIONS_PER_ADDRESS=100
    const open = sample((await h.admin("GET", "/metrics")).text, "shiftfeed_open_connections");
    expect(open).toBeLessThanOrEqual(100 + 5);
    const ms = await pollWhile(closedAll(ts, 6_000));
    expect(Math.max(...ms)).toBeLessThan(250);
    expect(Math.max(...ts.map((t) => t.closedAt!))).toBeLessThan(5_000); // 2 s timeout, checked every second
    const metrics = (await h.admin("GET", "/metrics")).text;
    expect(sample(metrics, "shiftfeed_refused_total", 'limit="connections_address"')).toBeGreaterThanOrEqual(
      400,
    );
  });

  it("500 from 500 addresses: every one closed by the header timeout within seconds; polls stay fast", async () => {
    const port = Number(new URL(h.url).port);
    const started = performance.now();
    const ts = Array.from({ length: 500 }, (_, i) =>
      trickle(port, `127.0.${60 + Math.floor(i / 250)}.${1 + (i % 250)}`, started),
    );
    const ms = await pollWhile(closedAll(ts, 8_000));
    expect(Math.max(...ms)).toBeLessThan(250);
    const closed = ts.map((t) => t.closedAt!);
    expect(Math.min(...closed)).toBeGreaterThan(1_500); // not before the timeout …
    expect(Math.max(...closed)).toBeLessThan(5_000); // … and soon after it
    expect(sample((await h.admin("GET", "/metrics")).text, "shiftfeed_open_connections")).toBeLessThan(10);
  });
});

describe("item 38: the bound on connections in all", () => {
  it("past MAX_CONNECTIONS, connections from any address are closed as they are accepted; polls resume as they go", async () => {
    const h = await startHarness({ env: { SERVE_THREADS: "2", MAX_CONNECTIONS: "16" } });
    try {
      const port = Number(new URL(h.url).port);
      const started = performance.now();
      // 40 idle connections from 40 addresses: none over its per-address bound, 24 over the bound in all.
      const ts = Array.from({ length: 40 }, (_, i) => trickle(port, `127.0.70.${1 + i}`, started));
      await new Promise((r) => setTimeout(r, 500));
      expect(ts.filter((t) => t.closedAt !== null).length).toBeGreaterThanOrEqual(24);
      // While the bound is full, an ordinary poll is refused too (that is what the bound is for) …
      await expect(get(h.url + "/healthz", { from: "127.0.70.199" })).rejects.toThrow();
      for (const t of ts) t.socket.destroy();
      await new Promise((r) => setTimeout(r, 200));
      // … and accepted again once the held connections are gone.
      expect((await get(h.url + "/healthz", { from: "127.0.70.200" })).status).toBe(200);
      expect(
        sample(
          (await h.admin("GET", "/metrics")).text,
          "shiftfeed_refused_total",
          'limit="connections_total"',
        ),
      ).toBeGreaterThanOrEqual(24);
    } finally {
      await h.close();
    }
  });
});
