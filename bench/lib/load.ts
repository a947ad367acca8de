/**
 * Load generation for the serving measurements: wrk when it is installed (Debian `wrk`), else autocannon from
 * npm; a pre-check that a sample of each request kind really gets the status and encoding it should; and the
 * figures every measurement reports.
 */
import { request } from "node:http";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { autocannonVersion, runAutocannon } from "./autocannon.ts";
import { headersFor, type FeedTarget, type RequestKind } from "./request-kinds.ts";
import type { LoadGenerator } from "./load-generator.ts";
import { runWrk, wrkScript, wrkVersion } from "./wrk.ts";

/**
 * wrk if installed (or autocannon when `prefer` says so), else autocannon.
 * @param workDir where wrk's generated Lua script is written
 */
export async function chooseLoadGenerator(
  workDir: string,
  prefer: "wrk" | "autocannon" = "wrk",
): Promise<LoadGenerator> {
  const wrk = prefer === "wrk" ? await wrkVersion() : null;
  if (wrk) {
    const script = join(workDir, "feeds.lua");
    writeFileSync(script, wrkScript());
    return { name: "wrk", version: wrk, run: (load) => runWrk(load, script) };
  }
  return {
    name: "autocannon",
    version: autocannonVersion(),
    ...(prefer === "wrk" ? { note: "wrk is not installed (apt-get install wrk): using autocannon" } : {}),
    run: runAutocannon,
  };
}

/**
 * The status, `Content-Encoding` and body size of one GET sent with exactly `headers` (no defaults added,
 * nothing decoded); the raw body's chunks are pushed to `chunks` when given.
 */
export function probe(
  url: string,
  path: string,
  headers: Record<string, string>,
  chunks?: Buffer[],
  localAddress?: string,
): Promise<{ status: number; encoding: string | null; bytes: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { headers, ...(localAddress && { localAddress }) }, (res) => {
      let bytes = 0;
      res.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
        chunks?.push(chunk);
      });
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          encoding: (res.headers["content-encoding"] as string | undefined) ?? null,
          bytes,
          headers: res.headers,
        }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

/**
 * Sends up to `sample` requests of `kind` (spread over `targets`) one by one and lists every answer that is not
 * what the kind must get (e.g. a `200` where a `304` was due). An empty list means the measurement is sound.
 */
export async function precheck(
  url: string,
  targets: readonly FeedTarget[],
  kind: RequestKind,
  sample = 16,
): Promise<string[]> {
  const problems: string[] = [];
  const step = Math.max(1, Math.floor(targets.length / sample));
  for (let i = 0; i < targets.length && i / step < sample; i += step) {
    const t = targets[i]!;
    const res = await probe(url, t.path, headersFor(kind, t));
    const encodingOk = kind.encoding === undefined || res.encoding === kind.encoding;
    if (res.status !== kind.status || !encodingOk) {
      problems.push(
        `${kind.name} ${t.path.slice(0, 20)}…: HTTP ${res.status}${res.encoding ? ` (${res.encoding})` : ""}, expected ${kind.status}${kind.encoding ? ` (${kind.encoding})` : ""}`,
      );
    }
  }
  return problems;
}
