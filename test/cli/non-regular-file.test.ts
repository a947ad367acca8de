/**
 * `shiftfeed validate` and `shiftfeed publish` read only regular files, with a bound: a FIFO nobody writes to, a
 * device (`/dev/zero`, through a symbolic link named `*.json` too) or a file over `MAX_SNAPSHOT_BYTES` is named
 * with its problem at once and never read, and the good files of a folder are published all the same. Every run
 * here is killed after a few seconds, so a regression fails instead of hanging or eating the machine's memory.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../support/render-cases.ts";
import { ADMIN_TOKEN, makeSnapshot, startHarness, type Harness } from "../support/server.ts";

const LIMIT = 4096;

/** The CLI with a hard kill after `ms`: `code` is null when it had to be killed. */
function cliWithin(ms: number, args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [`${ROOT}src/cli/main.ts`, ...args], {
      cwd: ROOT,
      env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "/tmp", ...env },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: ms,
      killSignal: "SIGKILL",
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString("utf8")));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("snapshot files that are not regular files, or too large", () => {
  let h: Harness;
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    h = await startHarness({ env: { SERVE_THREADS: "1", MAX_SNAPSHOT_BYTES: String(LIMIT) } });
    dir = await mkdtemp(join(tmpdir(), "shiftfeed-nonregular-"));
    env = { SHIFTFEED_URL: h.url, SHIFTFEED_ADMIN_TOKEN: ADMIN_TOKEN, MAX_SNAPSHOT_BYTES: String(LIMIT) };
  });
  afterAll(async () => {
    await h.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("validate refuses a FIFO nobody writes to and /dev/zero at once, as not regular files", async () => {
    const fifo = join(dir, "pipe.json");
    execFileSync("mkfifo", [fifo]);
    const piped = await cliWithin(20_000, ["validate", fifo], env);
    expect(piped.code, "killed: the FIFO was waited on").toBe(1);
    expect(piped.stderr.trim()).toBe(
      `shiftfeed: ${fifo} is not a regular file (a FIFO): not a snapshot file`,
    );
    const zero = await cliWithin(20_000, ["validate", "/dev/zero"], env);
    expect(zero.code, "killed: /dev/zero was read").toBe(1);
    expect(zero.stderr.trim()).toBe(
      "shiftfeed: /dev/zero is not a regular file (a character device): not a snapshot file",
    );
  });

  it("publish of a folder names a FIFO, a link to /dev/zero and a file over the limit, and publishes the good file", async () => {
    const folder = join(dir, "mixed");
    await mkdir(folder);
    await writeFile(
      join(folder, "a-good.json"),
      JSON.stringify(makeSnapshot({ schedule: { id: "nonreg", name: "N", timezone: "America/New_York" } })),
    );
    execFileSync("mkfifo", [join(folder, "fifo.json")]);
    await symlink("/dev/zero", join(folder, "z.json"));
    await writeFile(join(folder, "big.json"), "");
    await truncate(join(folder, "big.json"), 10 * 1024 * 1024); // sparse: nothing to read but its size
    const run = await cliWithin(30_000, ["publish", folder], env);
    expect(run.code, `killed or succeeded: ${run.stderr}`).toBe(1);
    expect(run.stderr.split("\n").filter((l) => l.startsWith(folder))).toEqual([
      `${join(folder, "big.json")} has ${10 * 1024 * 1024} bytes, over the limit of ${LIMIT} bytes ` +
        "(MAX_SNAPSHOT_BYTES): the server refuses it with 413, so it was not sent",
      `${join(folder, "fifo.json")} is not a regular file (a FIFO): not a snapshot file`,
      `${join(folder, "z.json")} is not a regular file (a character device): not a snapshot file`,
    ]);
    expect(run.stdout).toMatch(/^1 schedules, /m);
    expect((await h.admin("GET", "/admin/orgs/acme/schedules/nonreg")).status).toBe(200);
  });
});
