/**
 * The Node ceiling for a feed `304`: `node:http` on as many threads as shiftfeed serves with (`SO_REUSEPORT`),
 * answering every request at once with a constant `304` and the header set shiftfeed sends with one. It does no
 * work a feed service must do (no token, no lookup, no limits, no counters), so wrk against it beside nginx and
 * shiftfeed shows how much of shiftfeed's distance to nginx is Node's HTTP stack and how much is shiftfeed's own
 * work per request.
 *
 * Usage: node bench/baselines/node-constant.ts <port> [threads, default: one per CPU]
 * then, for instance: wrk -t2 -c64 -d10s http://127.0.0.1:<port>/feeds/x.ics
 */
import { createServer } from "node:http";
import { availableParallelism } from "node:os";
import { Worker, isMainThread, workerData } from "node:worker_threads";

const HEADERS = {
  ETag: 'W/"WeXw-fZLURt8cFo_rTDh0g"',
  "Last-Modified": "Thu, 03 Dec 2026 17:25:41 GMT",
  "Cache-Control": "private, no-cache",
  Vary: "Accept-Encoding",
  "Referrer-Policy": "no-referrer",
  "X-Robots-Tag": "noindex",
  "X-Content-Type-Options": "nosniff",
  "x-request-id": "00000000-0000-4000-8000-000000000000",
};

if (isMainThread) {
  const port = Number(process.argv[2]);
  const threads = Number(process.argv[3] ?? availableParallelism());
  if (!Number.isInteger(port) || port <= 0 || !Number.isInteger(threads) || threads < 1) {
    console.error("usage: node bench/baselines/node-constant.ts <port> [threads]");
    process.exit(2);
  }
  for (let i = 0; i < threads; i++) new Worker(new URL(import.meta.url), { workerData: port });
  console.log(`node-constant: ${threads} threads on http://127.0.0.1:${port}`);
} else {
  createServer((_req, res) => {
    res.writeHead(304, { Date: new Date().toUTCString(), ...HEADERS }).end();
  }).listen({ port: workerData as number, host: "127.0.0.1", reusePort: true });
}
