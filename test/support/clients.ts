/**
 * Clients for tests of limits and load: GETs from a chosen loopback source address (127.0.0.0/8 is all this
 * machine, so each address is a distinct client to the server's per-address limits), over keep-alive or fresh
 * connections, and a reader for single samples of `/metrics`.
 */
import { Agent, request, type IncomingHttpHeaders, type OutgoingHttpHeaders } from "node:http";

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Milliseconds from sending to the last byte. */
  ms: number;
}

export interface GetOptions {
  headers?: OutgoingHttpHeaders;
  /** The source address (e.g. `127.0.0.7`). Default 127.0.0.1. */
  from?: string;
  /** A keep-alive agent to reuse connections; default a fresh connection. */
  agent?: Agent;
  method?: string;
}

/** One request; resolves with status, headers, body and time taken. */
export function get(url: string, options: GetOptions = {}): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? "GET",
        headers: options.headers ?? {},
        agent: options.agent ?? false,
        ...(options.from && !options.agent && { localAddress: options.from }),
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on("data", (b: Buffer) => parts.push(b));
        res.on("error", reject);
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(parts),
            ms: performance.now() - started,
          }),
        );
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** A keep-alive agent whose connections come from `from`. */
export function agentFrom(from: string, maxSockets = 8): Agent {
  return new Agent({ keepAlive: true, maxSockets, localAddress: from });
}

/** Runs `task` for 0..n-1 with at most `limit` in flight; results in order. */
export async function pool<T>(n: number, limit: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, n) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await task(i);
      }
    }),
  );
  return out;
}

/** Counts of each status. */
export function statuses(answers: readonly { status: number }[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const a of answers) out[a.status] = (out[a.status] ?? 0) + 1;
  return out;
}

/** The value of one sample of a Prometheus text (`name{labels}`), 0 when absent. */
export function sample(text: string, name: string, labels = ""): number {
  const line = text.split("\n").find((l) => l.startsWith(labels ? `${name}{${labels}} ` : `${name} `));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(" ") + 1));
}
