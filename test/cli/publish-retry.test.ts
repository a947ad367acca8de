/**
 * `shiftfeed publish` against a server whose disk is full (every publish answered `503` with the storage-full
 * body and `Retry-After`): each file's retry is said once, with the server's reason, the waits stop at
 * `--retry-seconds`, and every file is named as not published at the end, exit 1. A real HTTP server on a real
 * socket answers as shiftfeed does when its data dir's disk is full.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli-process.ts";
import { makeSnapshot } from "../support/server.ts";

const FULL = {
  error: {
    code: "storage_full",
    message: "Storage is full (no space left on the disk of the data dir): nothing was saved",
    details: [],
  },
};

describe("publish while the server's disk is full", () => {
  let server: Server;
  let url: string;
  let dir: string;
  const puts: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        if (req.method === "PUT") {
          puts.push(req.url ?? "");
          res.writeHead(503, { "content-type": "application/json", "retry-after": "1" });
          res.end(JSON.stringify(FULL));
          return;
        }
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ results: [] }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = await mkdtemp(join(tmpdir(), "shiftfeed-retry-"));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it("says once per file that it is retried and why, stops at --retry-seconds, and names each file as not published", async () => {
    const folder = join(dir, "two");
    await mkdir(folder);
    for (const id of ["alpha", "beta"]) {
      const snapshot = makeSnapshot({ schedule: { id, name: id, timezone: "America/New_York" } });
      await writeFile(join(folder, `${id}.json`), JSON.stringify(snapshot));
    }
    const env = { SHIFTFEED_URL: url, SHIFTFEED_ADMIN_TOKEN: "t".repeat(32) };
    const started = performance.now();
    const run = await runCli(["publish", folder, "--retry-seconds", "2"], env);
    const seconds = (performance.now() - started) / 1000;
    expect(run.code, run.stderr).toBe(1);
    const lines = run.stderr.split("\n").filter((l) => l.startsWith(folder));
    for (const id of ["alpha", "beta"]) {
      const file = join(folder, `${id}.json`);
      expect(lines.filter((l) => l.startsWith(`${file}:`))).toEqual([
        `${file}: the server answered HTTP 503: ${FULL.error.message}: trying again in 1 s (for up to 2 s in all)`,
      ]);
      expect(lines).toContain(`${file} was refused: HTTP 503: ${FULL.error.message}`);
    }
    // Each file: its first try and two waits of 1 s (the bound), no more.
    expect(puts.filter((p) => p.endsWith("/alpha"))).toHaveLength(3);
    expect(seconds).toBeLessThan(60);

    // One file: the same line, the same bound.
    const one = await runCli(["publish", join(folder, "alpha.json"), "--retry-seconds", "1"], env);
    expect(one.code).toBe(1);
    expect(one.stderr.split("\n").filter(Boolean)).toEqual([
      `${join(folder, "alpha.json")}: the server answered HTTP 503: ${FULL.error.message}: trying again in 1 s ` +
        "(for up to 1 s in all)",
      `shiftfeed: ${join(folder, "alpha.json")} was refused: HTTP 503: ${FULL.error.message}`,
    ]);
  });
});
