// The load test's lean HTTP client (`bench/loadtest/raw-http.ts`) is the instrument its latencies come from: it
// must read every answer whole and in order (Content-Length, chunked, bodyless 304), over fresh and kept-alive
// connections, and report a failed connection as status 0 — checked here against node:http over real sockets.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getOnce, Lane, requestBytes } from "../../bench/loadtest/raw-http.ts";
import { freePort } from "../../bench/lib/processes.ts";

let server: Server;
let port: number;
const seen: {
  path: string;
  from: string | undefined;
  port: number | undefined;
  headers: Record<string, unknown>;
}[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({
      path: req.url!,
      from: req.socket.remoteAddress,
      port: req.socket.remotePort,
      headers: req.headers,
    });
    // A body that looks like answers: a client that frames it wrongly reads statuses that were never sent.
    const big = "HTTP/1.1 299 Not an answer\r\n\r\n".repeat(6_000);
    if (req.url === "/length") res.writeHead(200, { "content-length": big.length, etag: '"a"' }).end(big);
    else if (req.url === "/chunked") {
      res.writeHead(200, { "x-kind": "chunked" });
      res.write(big);
      res.write("tail");
      res.end();
    } else if (req.url === "/not-modified") res.writeHead(304, { etag: '"a"' }).end();
    else if (req.url === "/close") res.writeHead(503, { connection: "close", "content-length": 2 }).end("no");
    else res.writeHead(404, { "content-length": 0 }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("the load test's HTTP client", () => {
  it("reads a whole answer on a fresh connection, from the address it is given, with the headers it is given", async () => {
    const request = requestBytes(`127.0.0.1:${port}`, "/length", { "if-none-match": '"z"' }, true);
    const answer = await getOnce(port, request, "127.0.9.9");
    expect(answer).toEqual({ status: 200, headers: expect.objectContaining({ etag: '"a"' }) });
    const last = seen.at(-1)!;
    expect(last.from).toBe("127.0.9.9");
    expect(last.headers["if-none-match"]).toBe('"z"');
    expect(last.headers.connection).toBe("close");
  });

  it("keeps answers in order on one kept-alive connection: Content-Length, chunked, 304 without a body", async () => {
    const lane = new Lane(port, "127.0.9.10");
    const host = `127.0.0.1:${port}`;
    const statuses = [];
    for (const path of ["/length", "/chunked", "/not-modified", "/length", "/nothing"]) {
      const answer = await lane.get(requestBytes(host, path, {}, false));
      statuses.push(answer.status);
      if (path === "/chunked") expect(answer.headers["x-kind"]).toBe("chunked");
    }
    expect(statuses).toEqual([200, 200, 304, 200, 404]);
    // All five went over one connection (a new connection would have a new port).
    const ports = new Set(seen.filter((s) => s.from === "127.0.9.10").map((s) => s.port));
    expect(ports.size).toBe(1);
    lane.close();
  });

  it("opens a new connection after the server closes one, and reports a refused connection as 0", async () => {
    const lane = new Lane(port, "127.0.9.11");
    const host = `127.0.0.1:${port}`;
    expect((await lane.get(requestBytes(host, "/close", {}, false))).status).toBe(503);
    expect((await lane.get(requestBytes(host, "/length", {}, false))).status).toBe(200);
    lane.close();
    const nobody = await freePort();
    expect((await getOnce(nobody, requestBytes("x", "/", {}, true), "127.0.0.1")).status).toBe(0);
  });
});
