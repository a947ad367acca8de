/**
 * Slow and broken clients (docs/test-checklist.md item 38): 500 connections trickling their headers, from one address and
 * from 500; floods of idle connections that never send a byte, from many addresses, from one, and from behind a
 * trusted proxy. Over a bound, a new connection takes the place of the oldest one still waiting for its request;
 * the rest are closed by the first-byte and header timeouts; meanwhile ordinary polls and health checks are served
 * and stay fast, and open connections stay bounded.
 */
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Agent } from "node:http";
import { agentFrom, get, sample } from "../support/clients.ts";
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

/** Opens a connection from `from` that never sends a byte and never reads (only the server closing it ends it). */
function idle(port: number, from: string, started: number): Trickler {
  const socket = connect({ port, host: "127.0.0.1", localAddress: from });
  const t: Trickler = { socket, closedAt: null };
  socket.on("error", () => undefined);
  socket.on("close", () => (t.closedAt = performance.now() - started));
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
    // Each new connection over the bound took the place of the oldest one of that address still waiting.
    const madeRoom = sample(metrics, "shiftfeed_pre_request_closed_total", 'reason="room_for_new"');
    const refused = sample(metrics, "shiftfeed_refused_total", 'limit="connections_address"');
    expect(madeRoom + refused).toBeGreaterThanOrEqual(400);
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

/** Waits `ms` milliseconds. */
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("item 38: idle connections that never send a request", () => {
  it("past MAX_CONNECTIONS, a flood of idle connections from 17 addresses and more arriving: other clients and /healthz are still served", async () => {
    // The bounds scaled down 64 times: 4 idle connections from each of 17 addresses more than fill MAX_CONNECTIONS.
    const h = await startHarness({
      env: { SERVE_THREADS: "2", MAX_CONNECTIONS: "64", MAX_CONNECTIONS_PER_ADDRESS: "4" },
    });
    const ts: Trickler[] = [];
    try {
      expect((await h.publish(makeSnapshot())).status).toBe(200);
      const path = await h.feedPathOf("acme", "pA");
      const port = Number(new URL(h.url).port);
      const started = performance.now();
      for (let a = 1; a <= 17; a++) for (let i = 0; i < 4; i++) ts.push(idle(port, `127.0.80.${a}`, started));
      await pause(300);
      // More idle connections keep coming (50 a second, each address with 4), while other clients poll.
      let n = 0;
      const flood = setInterval(() => {
        ts.push(idle(port, `127.0.81.${1 + Math.floor(n / 4)}`, started));
        n++;
      }, 20);
      const answers: number[] = [];
      try {
        for (let i = 0; i < 30; i++) {
          const from = `127.0.82.${1 + i}`;
          answers.push((await get(h.url + path, { from })).status);
          answers.push((await get(h.url + "/healthz", { from })).status);
          await pause(50);
        }
      } finally {
        clearInterval(flood);
      }
      expect(answers.filter((s) => s !== 200)).toEqual([]);
      const metrics = (await h.admin("GET", "/metrics")).text;
      expect(sample(metrics, "shiftfeed_open_connections")).toBeLessThanOrEqual(64 + 4);
      expect(sample(metrics, "shiftfeed_pre_request_closed_total", 'reason="room_for_new"')).toBeGreaterThan(
        50,
      );
    } finally {
      for (const t of ts) t.socket.destroy();
      await h.close();
    }
  });

  it("from one address: a burst is served, no more than MAX_PRE_REQUEST_PER_ADDRESS stay idle, the address's own requests get through, and a connection that sends nothing is closed after FIRST_BYTE_TIMEOUT_SECONDS", async () => {
    const h = await startHarness({
      env: {
        SERVE_THREADS: "1",
        MAX_PRE_REQUEST_PER_ADDRESS: "8",
        FIRST_BYTE_TIMEOUT_SECONDS: "3",
        HEADERS_TIMEOUT_SECONDS: "6",
      },
    });
    const ts: Trickler[] = [];
    try {
      // 40 requests at once from one address (a NAT, a shared fetcher): a burst, not a flood, all served.
      const burst = await Promise.all(
        Array.from({ length: 40 }, () => get(h.url + "/healthz", { from: "127.0.84.3" })),
      );
      expect(burst.map((a) => a.status)).toEqual(Array(40).fill(200));
      const port = Number(new URL(h.url).port);
      const started = performance.now();
      for (let i = 0; i < 30; i++) ts.push(idle(port, "127.0.84.1", started));
      const slow = trickle(port, "127.0.84.2", started); // sends bytes, slowly: not silent
      await pause(300);
      expect(ts.filter((t) => t.closedAt === null)).toHaveLength(30); // not idle yet
      // The same address (a NAT with phones behind it) still gets its requests answered.
      for (let i = 0; i < 5; i++)
        expect((await get(h.url + "/healthz", { from: "127.0.84.1" })).status).toBe(200);
      await pause(2_000 - (performance.now() - started));
      expect(ts.filter((t) => t.closedAt === null)).toHaveLength(8); // idle after 1 s: 8 kept
      await pause(4_300 - (performance.now() - started));
      expect(ts.filter((t) => t.closedAt === null)).toHaveLength(0);
      const closed = ts.map((t) => t.closedAt!).sort((a, b) => a - b);
      expect(closed.at(-1)!).toBeGreaterThan(2_900); // the last 8 waited for the first-byte timeout …
      expect(closed.at(-1)!).toBeLessThan(4_300); // … checked twice a second
      expect(slow.closedAt).toBeNull(); // the header timeout (6 s) is for a client that is sending
      slow.socket.destroy();
      const metrics = (await h.admin("GET", "/metrics")).text;
      const closedFor = (reason: string) =>
        sample(metrics, "shiftfeed_pre_request_closed_total", `reason="${reason}"`);
      expect(closedFor("idle_per_address")).toBe(22);
      expect(closedFor("first_byte_timeout")).toBe(8);
      expect(closedFor("room_for_new")).toBe(0);
    } finally {
      for (const t of ts) t.socket.destroy();
      await h.close();
    }
  });

  it("behind a trusted proxy (CLIENT_IP_HEADER, every connection from the proxy's address): idle connections past MAX_CONNECTIONS make room for requests", async () => {
    const h = await startHarness({
      env: { SERVE_THREADS: "2", MAX_CONNECTIONS: "16", CLIENT_IP_HEADER: "X-Forwarded-For" },
    });
    const ts: Trickler[] = [];
    try {
      const port = Number(new URL(h.url).port);
      const started = performance.now();
      for (let i = 0; i < 40; i++) ts.push(idle(port, "127.0.0.1", started));
      // Once the server has taken all 40 (each past the bound making room), at most the bound are open: well
      // before the first-byte timeout (5 s) would close them anyway. A request sent while it still takes them
      // could itself be made room for, being the newest connection without a request.
      await expect
        .poll(() => ts.filter((t) => t.closedAt === null).length, { timeout: 3_000, interval: 50 })
        .toBeLessThanOrEqual(16);
      for (let i = 0; i < 5; i++) {
        const answer = await get(h.url + "/healthz", { headers: { "x-forwarded-for": `203.0.113.${i}` } });
        expect(answer.status).toBe(200);
      }
    } finally {
      for (const t of ts) t.socket.destroy();
      await h.close();
    }
  });
});

describe("item 38: the bound on connections in all", () => {
  it("past MAX_CONNECTIONS, connections in use refuse a new one as it is accepted; polls resume as they go", async () => {
    const h = await startHarness({ env: { SERVE_THREADS: "2", MAX_CONNECTIONS: "16" } });
    const agents: Agent[] = [];
    try {
      // 16 kept-alive connections from 16 addresses, each having made a request: in use, nothing to make room.
      for (let i = 0; i < 16; i++) {
        const agent = agentFrom(`127.0.70.${1 + i}`, 1);
        agents.push(agent);
        expect((await get(h.url + "/healthz", { agent })).status).toBe(200);
      }
      // While the bound is full of connections in use, a new connection is refused (that is what the bound is for) …
      await expect(get(h.url + "/healthz", { from: "127.0.70.199" })).rejects.toThrow();
      for (const agent of agents) agent.destroy();
      await pause(200);
      // … and accepted again once they are gone.
      expect((await get(h.url + "/healthz", { from: "127.0.70.200" })).status).toBe(200);
      expect(
        sample(
          (await h.admin("GET", "/metrics")).text,
          "shiftfeed_refused_total",
          'limit="connections_total"',
        ),
      ).toBeGreaterThanOrEqual(1);
    } finally {
      for (const agent of agents) agent.destroy();
      await h.close();
    }
  });
});
