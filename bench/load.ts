/**
 * A small closed-loop HTTP load generator over keep-alive sockets: `concurrency` workers each send their
 * next request as soon as the previous answer is fully read. Reports throughput and latency percentiles.
 */
import { Agent, request } from "node:http";

export interface LoadResult {
  requests: number;
  seconds: number;
  perSecond: number;
  p50ms: number;
  p99ms: number;
  statuses: Record<number, number>;
  bytes: number;
}

export interface LoadRequest {
  path: string;
  headers?: Record<string, string>;
}

/** Sends `total` requests (cycling through `requests`) to `base` with `concurrency` in flight. */
export async function runLoad(
  base: string,
  requests: LoadRequest[],
  total: number,
  concurrency: number,
): Promise<LoadResult> {
  const url = new URL(base);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  let next = 0;
  let bytes = 0;
  const one = (r: LoadRequest) =>
    new Promise<void>((resolve, reject) => {
      const started = performance.now();
      const req = request(
        { host: url.hostname, port: url.port, path: r.path, headers: r.headers ?? {}, agent },
        (res) => {
          res.on("data", (chunk: Buffer) => (bytes += chunk.length));
          res.on("end", () => {
            latencies.push(performance.now() - started);
            statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1;
            resolve();
          });
        },
      );
      req.on("error", reject);
      req.end();
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await one(requests[next++ % requests.length]!);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return {
    requests: total,
    seconds,
    perSecond: total / seconds,
    p50ms: pct(0.5),
    p99ms: pct(0.99),
    statuses,
    bytes,
  };
}
