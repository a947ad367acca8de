/**
 * autocannon (npm) as the fallback load generator where wrk is not installed. It runs inside the bench's own
 * Node process, so it costs more CPU per request than wrk: figures from the two are not comparable, ratios
 * within one run are.
 */
import { createRequire } from "node:module";
import autocannon from "autocannon";
import type { LoadResult, LoadRun } from "./load-generator.ts";
import { headersFor } from "./request-kinds.ts";

/** The installed autocannon's version. */
export function autocannonVersion(): string {
  const pkg = createRequire(import.meta.url)("autocannon/package.json") as { version: string };
  return `autocannon ${pkg.version}`;
}

/** Runs autocannon once, cycling through `load.targets` with their validators. */
export async function runAutocannon(load: LoadRun): Promise<LoadResult> {
  const targets = load.targets.map((t) => ({ path: t.path, headers: headersFor(load.kind, t) }));
  let next = 0;
  const result = await autocannon({
    url: load.url,
    connections: load.connections,
    duration: Math.max(1, Math.round(load.seconds)),
    timeout: 30,
    requests: [
      {
        method: "GET",
        setupRequest: (req) => {
          const t = targets[next++ % targets.length]!;
          return { ...req, path: t.path, headers: t.headers };
        },
      },
    ],
  });
  const requests = result.requests.total;
  return {
    requests,
    seconds: result.duration,
    perSecond: requests / result.duration,
    p50ms: result.latency.p50,
    p99ms: result.latency.p99,
    badStatus: result["1xx"] + result["4xx"] + result["5xx"],
    errors: result.errors,
    bytesPerResponse: requests > 0 ? result.throughput.total / requests : 0,
  };
}
