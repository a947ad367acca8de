// The bound on open connections across serving threads (src/node/connection-guard.ts), with two servers in this
// thread sharing one set of counters as two serving threads do: one has taken a flood of connections that never
// send a request, up to the bound; a real client that lands on the other is let in and served, and the flood's
// oldest connection is closed a moment later for it, so the bound holds again. Only when every counted connection
// is in use is a new one refused.
import { createServer, request, type Server } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  allocateConnectionCounters,
  guardConnections,
  openConnections,
  PAY_MIN_AGE_MS,
} from "../../src/node/connection-guard.ts";

const BOUND = 8;

/** Two guarded servers on one set of counters (two serving threads), answering `ok`. */
async function twoThreads() {
  const counters = allocateConnectionCounters();
  const refused: string[] = [];
  const start = async () => {
    const server = createServer((_req, res) => res.end("ok"));
    guardConnections(server, {
      counters,
      perAddress: false,
      refused: (kind) => refused.push(kind),
      settings: {
        maxConnections: BOUND,
        maxPerAddress: 1_000,
        maxPreRequestPerAddress: 1_000,
        firstByteTimeoutMs: 60_000,
        headersTimeoutMs: 60_000,
        requestTimeoutMs: 60_000,
        keepAliveTimeoutMs: 5_000,
      },
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { server, port: (server.address() as AddressInfo).port };
  };
  return { a: await start(), b: await start(), counters, refused };
}

/** A connection that never sends anything; `closed` once the server closes it. */
function idle(port: number) {
  const socket = connect({ port, host: "127.0.0.1" });
  const c = { socket, closed: false };
  socket.on("error", () => undefined);
  socket.on("close", () => (c.closed = true));
  return c;
}

/** One GET on a new connection: its body, or the error. */
function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ port, host: "127.0.0.1", path: "/", agent: false }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve(body));
    });
    req.on("error", reject);
    req.end();
  });
}

/** A connection that has made one request and been answered, kept open (in use, not waiting). */
async function keptAlive(port: number): Promise<Socket> {
  const socket = connect({ port, host: "127.0.0.1" });
  socket.on("error", () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once("data", (chunk: Buffer) =>
      chunk.toString().endsWith("ok") ? resolve() : reject(new Error(chunk.toString())),
    );
    socket.once("close", () => reject(new Error("closed")));
    socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  });
  return socket;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let servers: Server[] = [];
let sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  servers = [];
  sockets = [];
});

describe("the bound on open connections, across serving threads", () => {
  it("lets a client in on a thread with no waiting connection of its own, and closes another thread's oldest for it", async () => {
    const { a, b, counters, refused } = await twoThreads();
    servers.push(a.server, b.server);
    const flood = Array.from({ length: BOUND }, () => idle(a.port));
    sockets.push(...flood.map((c) => c.socket));
    await expect.poll(() => openConnections(counters)).toBe(BOUND);
    await pause(PAY_MIN_AGE_MS);

    // Thread b holds nothing to make room with: the client still gets in and is served (and stays, kept alive).
    const client = await keptAlive(b.port);
    sockets.push(client);
    expect(refused).toEqual([]);
    // Thread a pays the room: its oldest waiting connection goes, and the bound holds again.
    await expect.poll(() => flood[0]!.closed).toBe(true);
    expect(flood.filter((c) => c.closed)).toHaveLength(1);
    expect(openConnections(counters)).toBe(BOUND);
    // Another client, served the same way.
    expect(await get(b.port)).toBe("ok");
  });

  it("refuses a new connection when every counted connection, on every thread, is in use", async () => {
    const { a, b, counters, refused } = await twoThreads();
    servers.push(a.server, b.server);
    // Kept-alive connections that made a request: in use, nothing to make room with.
    const inUse: Socket[] = [];
    for (let i = 0; i < BOUND; i++) inUse.push(await keptAlive(a.port));
    sockets.push(...inUse);
    expect(openConnections(counters)).toBe(BOUND);
    await expect(get(b.port)).rejects.toThrow();
    expect(refused).toEqual(["connections_total"]);
  });
});
