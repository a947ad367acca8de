/**
 * The serving measurements: for each request kind, each server in turn (shiftfeed, nginx with the same bytes,
 * render-per-request, and for the `304` kinds Node's constant-`304` server) gets a pre-check of a sample, a
 * warm-up, then a fixed-duration run with fixed connections. Kinds are the outer loop so the servers of one row
 * are measured minutes apart, not a whole run apart.
 */
import type { LoadGenerator } from "./load-generator.ts";
import { precheck } from "./load.ts";
import { count, resultProblems, type Measured, type ServingRow } from "./report.ts";
import { REQUEST_KINDS, type FeedTarget } from "./request-kinds.ts";

/** A server under load, with the feed URLs (and its own validators for them) to cycle through. */
export interface ServedTargets {
  url: string;
  targets: readonly FeedTarget[];
  /** The same targets as a path list file (wrk reads it). */
  pathFile: string;
}

export interface ServingSettings {
  seconds: number;
  warmupSeconds: number;
  connections: number;
  threads: number;
}

/** A `304` kind whose answers average more than this many bytes is carrying bodies. */
const MAX_304_BYTES = 2048;

async function measureOne(
  generator: LoadGenerator,
  server: ServedTargets,
  kind: ServingRow["kind"],
  settings: ServingSettings,
): Promise<Measured> {
  const problems = await precheck(server.url, server.targets, kind);
  const load = {
    url: server.url,
    pathFile: server.pathFile,
    targets: server.targets,
    kind,
    connections: settings.connections,
    threads: settings.threads,
  };
  if (settings.warmupSeconds > 0) await generator.run({ ...load, seconds: settings.warmupSeconds });
  const result = await generator.run({ ...load, seconds: settings.seconds });
  problems.push(...resultProblems(result));
  if (kind.status === 304 && result.bytesPerResponse > MAX_304_BYTES) {
    problems.push(`${count(result.bytesPerResponse)} bytes an answer: not 304s`);
  }
  return { result, problems };
}

/**
 * Measures every request kind on every given server.
 * @param log told one line per measurement
 */
export async function measureServing(
  generator: LoadGenerator,
  servers: {
    shiftfeed: ServedTargets;
    nginx: ServedTargets | null;
    baseline: ServedTargets | null;
    /** Node's constant `304`: measured on the `304` kinds only (it answers nothing else). */
    constant: ServedTargets | null;
  },
  settings: ServingSettings,
  log: (line: string) => void,
): Promise<ServingRow[]> {
  const rows: ServingRow[] = [];
  for (const kind of REQUEST_KINDS) {
    const measure = async (name: string, server: ServedTargets | null): Promise<Measured | null> => {
      if (!server) return null;
      try {
        const m = await measureOne(generator, server, kind, settings);
        const r = m.result!;
        log(
          `${kind.label} → ${name}: ${count(r.perSecond)} req/s, p50 ${r.p50ms.toFixed(2)} ms, p99 ${r.p99ms.toFixed(2)} ms` +
            (m.problems.length ? ` (${m.problems.join("; ")})` : ""),
        );
        return m;
      } catch (error) {
        log(`${kind.label} → ${name}: failed: ${(error as Error).message}`);
        return { result: null, problems: [(error as Error).message.split("\n")[0]!] };
      }
    };
    const shiftfeed = (await measure("shiftfeed", servers.shiftfeed))!;
    const nginx = await measure("nginx", servers.nginx);
    const baseline = await measure("render-per-request", servers.baseline);
    const constant = kind.status === 304 ? await measure("node constant 304", servers.constant) : null;
    rows.push({ kind, shiftfeed, nginx, baseline, constant });
  }
  return rows;
}
