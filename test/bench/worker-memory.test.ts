// `npm run bench:worker-memory` (`bench/worker-memory.ts`) end to end on a small rota, so the figures
// docs/cloudflare.md › Memory reports can be measured again: the publish call, the worst batch, the closing step
// and the next revision's publish call each reported with their peaks, the batch count following the Worker's
// fan-out batch, under the heap cap it was run with.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ROOT } from "../support/render-cases.ts";

describe("Worker memory bench", () => {
  it("publishes on the Worker's path and reports each step's heap, ArrayBuffers and RSS", async () => {
    const args = ["--expose-gc", "--max-heap-size=96", "bench/worker-memory.ts", "600", "14"];
    const { stdout } = await promisify(execFile)(process.execPath, args, {
      cwd: ROOT,
      env: { PATH: process.env["PATH"] ?? "" },
    });
    expect(stdout).toContain("600 people over 14 days");
    expect(stdout).toContain("V8 heap capped at 96 MiB");
    const rows = stdout
      .split("\n")
      .filter((line) => /^\| (publish call|the worst of|closing step|revision 2)/.test(line));
    expect(rows.map((row) => row.split(" |")[0])).toEqual([
      expect.stringContaining("publish call"),
      expect.stringMatching(/the worst of 3 batches/), // 600 people, 250 a batch
      expect.stringContaining("closing step"),
      expect.stringContaining("revision 2's publish call"),
    ]);
    for (const row of rows) {
      const [heap, buffers, both, , rss] = row
        .split("|")
        .slice(2, 7)
        .map((cell) => Number.parseFloat(cell));
      expect(heap).toBeGreaterThan(0);
      expect(buffers).toBeGreaterThanOrEqual(0);
      expect(both).toBeGreaterThanOrEqual(Math.max(heap!, buffers!));
      expect(rss).toBeGreaterThan(both!);
    }
  }, 120_000);
});
