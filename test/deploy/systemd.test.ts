/**
 * `deploy/shiftfeed.service` as the operations guide installs it, checked with what runs in a container without
 * systemd as PID 1: `systemd-analyze verify` (every key known and parsed, the `ExecStart` binary present — the
 * unit's install path `/opt/shiftfeed` replaced by this checkout), `systemd-analyze security --offline` (the
 * hardening's exposure score), and the unit's own command line and environment (plus the example environment
 * file), run by hand with the unit's umask: the service starts, answers `/healthz`, keeps its files 0600, stops
 * with exit 0 on `SIGTERM`, and exits 2 on a bad setting (which the unit does not restart).
 */
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../support/render-cases.ts";
import { raw } from "../support/server.ts";

const INSTALL = "/opt/shiftfeed";
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  out: string;
}
function run(command: string, args: string[], env: Record<string, string> = {}, cwd = ROOT): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "/tmp", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString("utf8")));
    child.stderr.on("data", (b: Buffer) => (out += b.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out }));
  });
}

/** The unit with its install path pointing at this checkout, written to a fresh folder. */
async function unitHere(edit: (text: string) => string = (t) => t): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "shiftfeed-unit-"));
  dirs.push(dir);
  const text = (await readFile(`${ROOT}deploy/shiftfeed.service`, "utf8")).replaceAll(
    INSTALL,
    ROOT.replace(/\/$/, ""),
  );
  const file = join(dir, "shiftfeed.service");
  await writeFile(file, edit(text));
  return file;
}

/** The values of every `key=` line of the unit's [Service] section, in order. */
function settings(unit: string, key: string): string[] {
  return [...unit.matchAll(new RegExp(`^${key}=(.*)$`, "gm"))].map((m) => m[1]!);
}

describe("deploy/shiftfeed.service", () => {
  it("passes systemd-analyze verify with nothing to report; a misspelt key or a missing binary is reported", async () => {
    const file = await unitHere();
    expect(await run("systemd-analyze", ["verify", file])).toEqual({ code: 0, out: "" });
    // The check is not blind: the same unit with a typo, or installed where there is no node, is reported.
    const typo = await run("systemd-analyze", [
      "verify",
      await unitHere((t) => t.replace("ProtectSystem=", "ProtectSytem=")),
    ]);
    expect(typo.out).toMatch(/Unknown key 'ProtectSytem'/);
    const elsewhere = await run("systemd-analyze", [
      "verify",
      await unitHere((t) => t.replaceAll(ROOT.replace(/\/$/, ""), "/nonexistent")),
    ]);
    expect(elsewhere.code).not.toBe(0);
    expect(elsewhere.out).toMatch(/is not executable/);
  });

  it("is hardened: systemd-analyze security rates its exposure 2.0 or less, the state directory 0700", async () => {
    const file = await unitHere();
    const rated = await run("systemd-analyze", ["security", "--offline=true", file]);
    const score = Number(/Overall exposure level for shiftfeed\.service: ([\d.]+)/.exec(rated.out)?.[1]);
    expect(score, rated.out).toBeLessThanOrEqual(2);
    const unit = await readFile(file, "utf8");
    expect(settings(unit, "StateDirectoryMode")).toEqual(["0700"]);
    expect(settings(unit, "ProtectSystem")).toEqual(["strict"]);
    expect(settings(unit, "NoNewPrivileges")).toEqual(["yes"]);
    expect(settings(unit, "Restart")).toEqual(["on-failure"]);
    expect(settings(unit, "EnvironmentFile")).toEqual(["/etc/shiftfeed/shiftfeed.env"]);
  });

  it("its command line and environment start the service, 0600 files, exit 0 on SIGTERM, exit 2 on a bad setting", async () => {
    const unit = await readFile(`${ROOT}deploy/shiftfeed.service`, "utf8");
    const [exec] = settings(unit, "ExecStart");
    const [binary, script] = exec!.replaceAll(INSTALL, ROOT.replace(/\/$/, "")).split(" ");
    const env: Record<string, string> = {};
    for (const line of settings(unit, "Environment")) {
      for (const pair of line.split(/\s+/))
        env[pair.slice(0, pair.indexOf("="))] = pair.slice(pair.indexOf("=") + 1);
    }
    for (const line of (await readFile(`${ROOT}deploy/shiftfeed.env.example`, "utf8")).split("\n")) {
      const m = /^([A-Z_]+)=(.*)$/.exec(line);
      if (m) env[m[1]!] = m[2]!;
    }
    expect(env).toMatchObject({ HOST: "127.0.0.1", DEMO: "0", CLIENT_IP_HEADER: "X-Forwarded-For" });
    // Node's compile cache in the service's own cache directory, which systemd makes for it (0700).
    expect(env["NODE_COMPILE_CACHE"]).toBe("/var/cache/shiftfeed");
    expect(settings(unit, "CacheDirectory")).toEqual(["shiftfeed"]);
    expect(settings(unit, "CacheDirectoryMode")).toEqual(["0700"]);
    const dir = await mkdtemp(join(tmpdir(), "shiftfeed-unit-data-"));
    dirs.push(dir);
    env["NODE_COMPILE_CACHE"] = join(dir, "cache");
    const umask = settings(unit, "UMask")[0]!;
    const child = spawn("/bin/sh", ["-c", `umask ${umask} && exec "$0" "$1"`, binary!, script!], {
      cwd: ROOT,
      env: { PATH: "/usr/bin:/bin", ...env, DATA_DIR: join(dir, "state"), PORT: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString("utf8")));
    child.stderr.on("data", (b: Buffer) => (out += b.toString("utf8")));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    for (let waited = 0; !/listening on http:\/\/\S+/.test(out); waited += 100) {
      if (child.exitCode !== null || waited > 60_000) throw new Error(out);
      await new Promise((r) => setTimeout(r, 100));
    }
    const url = /listening on (http:\/\/\S+)/.exec(out)![1]!;
    expect((await raw("GET", `${url}/healthz`)).status).toBe(200);
    expect((await stat(join(dir, "state", "shiftfeed.db"))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, "state", "secrets", "feed-secret"))).mode & 0o777).toBe(0o600);
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect((await readdir(join(dir, "cache"))).length).toBeGreaterThan(0); // the cache was written there

    const refused = await run(binary!, [script!], { ...env, DATA_DIR: join(dir, "other"), PORT: "eighty" });
    expect(refused.code).toBe(2);
    expect(settings(unit, "RestartPreventExitStatus")).toEqual(["2"]);
  }, 90_000);
});
