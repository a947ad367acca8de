// Node's compile cache for the service's threads (`src/node/compile-cache.ts`), tried in a child process of its
// own (the cache is process-wide state): a thread started after the call compiles into the same directory, and
// `NODE_DISABLE_COMPILE_CACHE` leaves everything off.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const MODULE = new URL("../../src/node/compile-cache.ts", import.meta.url).href;
const dir = mkdtempSync(join(tmpdir(), "shiftfeed-compile-cache-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Calls the function in a fresh Node, then asks a thread it starts which cache directory the thread uses. */
function run(env: Record<string, string>): { returned: string | null; thread: string | null } {
  const script = `
    import { Worker } from "node:worker_threads";
    const { enableThreadCompileCache } = await import(${JSON.stringify(MODULE)});
    const returned = enableThreadCompileCache();
    const thread = await new Promise((resolve, reject) => {
      // Evaluated as a module, as the parent's --input-type says.
      const w = new Worker(
        'import { getCompileCacheDir } from "node:module"; import { parentPort } from "node:worker_threads"; ' +
          "parentPort.postMessage(getCompileCacheDir() ?? null);",
        { eval: true },
      );
      w.once("message", (dir) => { resolve(dir); void w.terminate(); });
      w.once("error", reject);
    });
    process.stdout.write(JSON.stringify({ returned, thread }));`;
  const { NODE_COMPILE_CACHE: _cache, NODE_DISABLE_COMPILE_CACHE: _off, ...rest } = process.env;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    env: { ...rest, ...env },
    encoding: "utf8",
  });
  return JSON.parse(out) as { returned: string | null; thread: string | null };
}

describe("compile cache", () => {
  it("is on for the process and for every thread it starts, in the directory NODE_COMPILE_CACHE names", () => {
    const { returned, thread } = run({ NODE_COMPILE_CACHE: dir });
    expect(returned).toContain(dir);
    expect(thread).toBe(returned);
    expect(readdirSync(dir).length).toBeGreaterThan(0); // written there
  });

  it("stays off with NODE_DISABLE_COMPILE_CACHE=1", () => {
    expect(run({ NODE_DISABLE_COMPILE_CACHE: "1" })).toEqual({ returned: null, thread: null });
  });
});
