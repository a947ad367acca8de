// `npm run bench` end to end on a tiny data set (60 people, 1-second measurements), so the bench machinery
// cannot rot while the server changes under it; plus the publisher's 503 handling and wrk's result line.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { retryAfterSeconds } from "../../src/cli/admin-client.ts";
import { publishDirectory } from "../../src/cli/publisher.ts";
import { parseWrkResult } from "../../bench/lib/wrk.ts";

const work = mkdtempSync(join(tmpdir(), "shiftfeed-bench-smoke-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const root = new URL("../../", import.meta.url).pathname;

describe("bench smoke", () => {
  it("runs every step on 60 people and writes a results file with sound measurements", async () => {
    const results = join(work, "RESULTS.md");
    const args = ["bench/run.ts", "--people", "60", "--duration", "1", "--warmup", "0", "--connections", "8"];
    args.push("--data", join(work, "data"), "--results", results);
    const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: root, maxBuffer: 1 << 24 });
    const md = readFileSync(results, "utf8");
    const cells = (line: string) => line.split(" | ").map((c) => c.replace(/^\| |\s*\|$/g, "").trim());
    const header = cells(md.split("\n").find((l) => l.startsWith("| request"))!);
    const nodeColumn = header.indexOf("Node 304 req/s");
    const nodeRatio = header.indexOf("shiftfeed ÷ Node 304");
    expect(nodeColumn).toBeGreaterThan(0);
    for (const kind of ["304 If-None-Match", "304 If-Modified-Since", "200 gzip", "200 identity"]) {
      const row = md.split("\n").find((l) => l.startsWith(`| ${kind}`));
      expect(row, kind).toBeDefined();
      expect(row!.trimEnd().endsWith("| ok |"), row).toBe(true);
      // Node's constant-304 ceiling beside each 304 row, measured in the same run; none for a 200.
      const rowCells = cells(row!);
      if (kind.startsWith("304")) {
        expect(rowCells[nodeColumn], row).toMatch(/^[\d,]+$/);
        expect(rowCells[nodeRatio], row).toMatch(/^\d+\.\d\d×$/);
      } else {
        expect(rowCells[nodeColumn], row).toBe("–");
      }
    }
    for (const section of ["## Machine", "## Publishing over HTTP", "## Start-up and memory", "## Storage"]) {
      expect(md).toContain(section);
    }
    // Two incremental publishes, the second moving the same shift again as the next revision.
    expect(md.match(/changed feed served with its new ETag \| \d/g)).toHaveLength(2);
    expect(md.match(/PUT answered \| [\d.]+ s \(HTTP 200, [1-9]\d* feeds updated\)/g)).toHaveLength(2);
    expect(md).toMatch(
      /again right after \(render thread running\) \| \S+ \(\S+\) starts \d\d:\d\d instead of/,
    );
    expect(stdout).toContain("shiftfeed req/s");
  }, 120_000);

  it("publishes a folder, waiting out a 503 for its Retry-After", async () => {
    const dir = join(work, "one");
    mkdirSync(dir);
    writeFileSync(
      join(dir, "o--s.json"),
      JSON.stringify({ organization: { id: "o" }, schedule: { id: "s" } }),
    );
    let calls = 0;
    const server = createServer((req, res) => {
      calls++;
      if (calls === 1) res.writeHead(503, { "retry-after": "0" }).end();
      else res.writeHead(200).end(JSON.stringify({ revision: 1, peopleAffected: 3, feedsUpdated: 4 }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    try {
      const summary = await publishDirectory({ url: `http://127.0.0.1:${port}`, token: "t", dir });
      expect(summary).toMatchObject({ schedules: 1, retries: 1, feedsUpdated: 4, failures: [] });
    } finally {
      server.close();
    }
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    expect(retryAfterSeconds("7")).toBe(7);
    expect(retryAfterSeconds("Thu, 01 Jan 2026 00:00:10 GMT", Date.parse("2026-01-01T00:00:00Z"))).toBe(10);
    expect(retryAfterSeconds(null)).toBe(1);
  });

  it("parses wrk's result line", () => {
    const r = parseWrkResult("Running 1s test\nWRK_RESULT 2000 1000000 600000 0 0 0 3 1 1500 9000\n");
    expect(r).toMatchObject({
      requests: 2000,
      perSecond: 2000,
      p50ms: 1.5,
      p99ms: 9,
      badStatus: 3,
      errors: 1,
    });
    expect(r.bytesPerResponse).toBe(300);
  });
});
