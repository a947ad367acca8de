// `node bench/backup.ts` end to end on a small database, so the figures docs/operations.md reports can be measured
// again: a backup taken while publishes run, each publish answered 200.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ROOT } from "../support/render-cases.ts";

describe("backup bench", () => {
  it("backs up a grown database while publishing and reports the copy and publish times", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["bench/backup.ts", "--mib", "16"], {
      cwd: ROOT,
      env: { PATH: process.env["PATH"] ?? "" },
    });
    const figures = JSON.parse(stdout) as {
      databaseMiB: number;
      copyMs: number;
      totalMs: number;
      publishMsWithoutBackup: { median: number; max: number };
      publishMsDuringBackup: number[];
      statuses: number[];
    };
    expect(figures.databaseMiB).toBeGreaterThanOrEqual(16);
    expect(figures.copyMs).toBeGreaterThan(0);
    expect(figures.totalMs).toBeGreaterThanOrEqual(figures.copyMs);
    expect(figures.publishMsWithoutBackup.max).toBeGreaterThanOrEqual(figures.publishMsWithoutBackup.median);
    expect(figures.publishMsDuringBackup.length).toBeGreaterThanOrEqual(1);
    expect(figures.statuses).toEqual([200]);
  }, 180_000);
});
