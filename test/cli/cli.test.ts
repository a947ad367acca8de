/**
 * The `shiftfeed` CLI as a script runs it: a child process against the real server, checked by exit code (0 ok,
 * 1 failed, 2 usage), stdout (text or `--json`) and stderr (messages that say what to do, progress).
 */
import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as jsqr from "jsqr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../support/render-cases.ts";
import { ADMIN_TOKEN, makeSnapshot, raw, startHarness, type Harness } from "../support/server.ts";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command in the project folder with exactly `env` (plus PATH/HOME), so no setting leaks in from the run. */
function runProcess(command: string, args: string[], env: Record<string, string>, cwd = ROOT): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "/tmp", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString("utf8")));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs the CLI (`DATA_DIR` pointing nowhere unless `env` says otherwise). */
const cli = (args: string[], env: Record<string, string> = {}) =>
  runProcess(process.execPath, [`${ROOT}src/cli/main.ts`, ...args], { DATA_DIR: "/nonexistent", ...env });

type Decode = (rgba: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
const decodeQr = (jsqr as unknown as { default: Decode }).default;

/** Reads back a QR code qrcode drew with half blocks (`small`): each character is two modules, top and bottom. */
function readTerminalQr(text: string): string | null {
  const lines = text
    .replace(/\x1b\[[0-9;]*m/g, "") // eslint-disable-line no-control-regex
    .split("\n")
    .filter((l) => /[█▀▄]/.test(l) && !/^▀+$/.test(l.trim()));
  const rows = lines.flatMap((l) => [
    [...l].map((c) => c === "█" || c === "▀"),
    [...l].map((c) => c === "█" || c === "▄"),
  ]);
  const scale = 4;
  const margin = 4;
  const size = (Math.max(...rows.map((r) => r.length)) + 2 * margin) * scale;
  const height = (rows.length + 2 * margin) * scale;
  const rgba = new Uint8ClampedArray(size * height * 4).fill(255);
  rows.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (!dark) return;
      for (let dy = 0; dy < scale; dy++)
        for (let dx = 0; dx < scale; dx++) {
          const i = (((y + margin) * scale + dy) * size + (x + margin) * scale + dx) * 4;
          rgba[i] = rgba[i + 1] = rgba[i + 2] = 0;
        }
    }),
  );
  return decodeQr(rgba, size, height)?.data ?? null;
}

describe("shiftfeed --help and usage errors", () => {
  it.each(["validate", "publish", "link", "rotate", "regenerate", "stats", "generate"])(
    "`%s --help` shows its usage and the global options, exit 0",
    async (command) => {
      const run = await cli([command, "--help"]);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^Usage: shiftfeed ${command} `));
      expect(run.stdout).toContain("--url <url>");
      expect(run.stdout).toContain("--json");
    },
  );

  it("the top-level help lists every command and the exit codes", async () => {
    const run = await cli(["--help"]);
    expect(run.code).toBe(0);
    for (const command of ["validate", "publish", "link", "rotate", "regenerate", "stats", "generate"])
      expect(run.stdout).toMatch(new RegExp(`^  ${command} `, "m"));
    expect(run.stdout).toContain("Exit codes: 0 ok, 1 failed");
  });

  it("runs as the package's bin: `npx shiftfeed` in the project folder", async () => {
    const run = await runProcess("npx", ["--no-install", "shiftfeed", "--help"], {});
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Usage: shiftfeed \[options\] \[command\]/);
  });

  it.each([
    [[], /Usage: shiftfeed/],
    [["bogus"], /unknown command 'bogus'/],
    [["link", "stmarys"], /missing required argument 'person'/],
    [["stats", "--nope"], /unknown option '--nope'/],
    [["--url", "localhost:8787", "stats"], /must be an http\(s\) URL/],
    [["stats"], /no admin token: pass --token or set SHIFTFEED_ADMIN_TOKEN/],
    [["generate", "--people", "0"], /--people must be a whole number ≥ 1/],
  ])("%j is a usage error: exit 2 with a message", async (args, message) => {
    const run = await cli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});

describe("shiftfeed validate (offline)", () => {
  let dir: string;
  beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), "shiftfeed-cli-"))));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("says a valid file is valid (exit 0) and lists every problem of an invalid one with its path (exit 1)", async () => {
    const good = join(dir, "good.json");
    await writeFile(good, JSON.stringify(makeSnapshot()));
    const ok = await cli(["validate", good]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("valid — acme/icu revision 1, 2 people");

    const bad = join(dir, "bad.json");
    const snapshot = makeSnapshot({ revision: -1 });
    snapshot.assignments[0]!.date = "2026-02-30";
    await writeFile(bad, JSON.stringify(snapshot));
    const refused = await cli(["validate", bad]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^ {2}\$\.revision: /m);
    expect(refused.stdout).toMatch(/^ {2}\$\.assignments\[0\]\.date: /m);
    const json = await cli(["validate", bad, "--json"]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      problems: [{ path: "$.revision" }, { path: "$.assignments[0].date" }],
    });
    const missing = await cli(["validate", join(dir, "none.json")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read .*none\.json/);
  });
});

describe("shiftfeed against a running server", () => {
  let h: Harness;
  let env: Record<string, string>;
  let dir: string;
  beforeAll(async () => {
    h = await startHarness({ env: { SERVE_THREADS: "1" } });
    env = { SHIFTFEED_URL: h.url, SHIFTFEED_ADMIN_TOKEN: ADMIN_TOKEN };
    dir = await mkdtemp(join(tmpdir(), "shiftfeed-cli-"));
  });
  afterAll(async () => {
    await h.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("publishes a file (exit 0) and says why one was refused (exit 1)", async () => {
    const file = join(dir, "icu.json");
    await writeFile(file, JSON.stringify(makeSnapshot()));
    const run = await cli(["publish", file], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("acme/icu revision 1: 2 people affected");
    const again = await cli(["publish", file, "--json"], env);
    expect(JSON.parse(again.stdout)).toMatchObject({ revision: 1, unchanged: true });
    await writeFile(file, JSON.stringify(makeSnapshot({ publishedAt: "2026-11-20T11:30:00Z" })));
    const stale = await cli(["publish", file], env);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/was refused: HTTP 409: /);
  });

  it("publishes a folder with progress", async () => {
    const run = await cli(["publish", `${ROOT}fixtures/demo`], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^4 schedules, \d+ people affected/m);
    expect(run.stderr).toMatch(/100% \| 4\/4 files/);
  });

  it("prints a person's links and a QR code of the subscribe page that a phone can read", async () => {
    const run = await cli(["link", "acme", "pA"], env);
    expect(run.code, run.stderr).toBe(0);
    const view = (await h.admin("GET", "/admin/orgs/acme/people/pA")).json as {
      feed: { url: string; webcalUrl: string; googleUrl: string; subscribeUrl: string };
    };
    for (const url of Object.values(view.feed).filter((v) => typeof v === "string" && v.includes("://")))
      expect(run.stdout).toContain(url);
    expect(readTerminalQr(run.stdout)).toBe(view.feed.subscribeUrl);
    const json = await cli(["link", "acme", "pA", "--json"], env);
    expect(JSON.parse(json.stdout)).toEqual(view);
    const missing = await cli(["link", "acme", "nobody"], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("HTTP 404: no person `nobody` in `acme`");
  });

  it("rotates only when told to: without a terminal it needs --yes; then the old link is dead", async () => {
    const before = await h.feedUrlOf("acme", "pB");
    const refused = await cli(["rotate", "acme", "pB"], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("pass --yes to confirm");
    expect((await raw("GET", before)).status).toBe(200);
    const run = await cli(["rotate", "acme", "pB", "--yes"], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("the old one no longer works");
    expect((await raw("GET", before)).status).toBe(404);
    expect((await raw("GET", await h.feedUrlOf("acme", "pB"))).status).toBe(200);
  });

  it("on a terminal, asks before rotating: anything but yes keeps the link", async () => {
    // util-linux `script` runs the CLI on a pseudo-terminal, as a person at a shell would.
    const onTerminal = (answer: string) =>
      new Promise<Run>((resolve, reject) => {
        const command = `${process.execPath} ${ROOT}src/cli/main.ts rotate acme pA`;
        const child = spawn("script", ["-qec", command, "/dev/null"], {
          cwd: ROOT,
          env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "/tmp", ...env },
          stdio: ["pipe", "pipe", "pipe"],
        });
        let stdout = "";
        let answered = false;
        child.stdin.on("error", () => {}); // `script` may be gone already when its stdin closes
        child.stdout.on("data", (b: Buffer) => {
          stdout += b.toString("utf8");
          if (!answered && stdout.includes("[y/N]")) {
            answered = true;
            child.stdin.end(`${answer}\n`);
          }
        });
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout, stderr: "" }));
      });
    const before = await h.feedUrlOf("acme", "pA");
    const declined = await onTerminal("n");
    expect(declined.stdout).toContain("Rotate acme/pA's link? The current one stops working at once. [y/N]");
    expect(declined.stdout).toContain("Not rotated.");
    expect(declined.code).toBe(1);
    expect((await raw("GET", before)).status).toBe(200);
    const confirmed = await onTerminal("y");
    expect(confirmed.code, confirmed.stdout).toBe(0);
    expect(confirmed.stdout).toContain("the old one no longer works");
    expect((await raw("GET", before)).status).toBe(404);
  });

  it("regenerates and follows the job with a progress bar and ETA to the end", async () => {
    const run = await cli(["regenerate", "--org", "stmarys", "--force", "--interval", "100"], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^job [\w-]+: succeeded, (\d+)\/\1 feeds/);
    expect(run.stderr).toMatch(/\| ETA \d+s \|/);
    expect(run.stderr).toMatch(/100% \| (\d+)\/\1 feeds \| ETA \d+s \| succeeded/);
    const json = await cli(["regenerate", "--org", "acme", "--schedule", "icu", "--json"], env);
    expect(json.code).toBe(0);
    expect(json.stderr).toBe(""); // --json: nothing but the answer
    expect(JSON.parse(json.stdout)).toMatchObject({ state: "succeeded", total: 3, done: 3 });
    const unknown = await cli(["regenerate", "--org", "nowhere"], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("HTTP 404: no organization `nowhere`");
  });

  it("shows traffic with the busiest clients", async () => {
    const url = await h.feedUrlOf("acme", "pA");
    for (let i = 0; i < 3; i++)
      await raw("GET", url, { headers: { "user-agent": "Google-Calendar-Importer" } });
    await h.settle();
    const run = await cli(["stats"], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^last 5 min\s+\d+ requests/m);
    expect(run.stdout).toMatch(/^\s+3 {2}acme\/person\/pA {2}google {2}Google-Calendar-Importer$/m);
    const json = JSON.parse((await cli(["stats", "--json"], env)).stdout) as {
      windows: { minutes: number }[];
    };
    expect(json.windows.map((w) => w.minutes)).toEqual([5, 60, 1440]);
  });

  it("says what to do when the server cannot be reached or refuses the token (exit 1)", async () => {
    const down = await cli(["stats"], { ...env, SHIFTFEED_URL: "http://127.0.0.1:9" });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9 .*is shiftfeed running\?/);
    const wrong = await cli(["stats", "--token", "wrong-token-0123456789abcdefgh"], env);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("refused the admin token");
  });

  it("finds the token where npm start keeps it", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "shiftfeed-cli-data-"));
    const { mkdir } = await import("node:fs/promises");
    await mkdir(join(dataDir, "secrets"));
    await writeFile(join(dataDir, "secrets", "admin-token"), `${ADMIN_TOKEN}\n`);
    const run = await cli(["stats", "--json"], { SHIFTFEED_URL: h.url, DATA_DIR: dataDir });
    expect(run.code, run.stderr).toBe(0);
    await rm(dataDir, { recursive: true, force: true });
  });
});

describe("shiftfeed generate (offline)", () => {
  it("writes a synthetic data set that validates", async () => {
    const out = await mkdtemp(join(tmpdir(), "shiftfeed-gen-"));
    try {
      const run = await cli(["generate", "--people", "40", "--today", "2026-11-20", "--out", out]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^40 people, 1 organizations, \d+ schedules/);
      const files = (await readdir(out)).filter((f) => f.endsWith(".json"));
      expect(files.length).toBeGreaterThan(0);
      const check = await cli(["validate", join(out, files[0]!)]);
      expect(check.code, check.stdout).toBe(0);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it("without --out, writes into the folder it was started in (never into the package's own files)", async () => {
    const here = await mkdtemp(join(tmpdir(), "shiftfeed-gen-cwd-"));
    try {
      const args = [`${ROOT}src/cli/main.ts`, "generate", "--people", "12", "--today", "2026-11-20"];
      const run = await runProcess(process.execPath, args, { DATA_DIR: "/nonexistent" }, here);
      expect(run.code, run.stderr).toBe(0);
      const dir = join(here, "one-org-12-seed1-2026-11-20");
      expect(run.stdout).toContain(`→ ${dir}`);
      expect((await readdir(dir)).some((f) => f.endsWith(".json"))).toBe(true);
    } finally {
      await rm(here, { recursive: true, force: true });
    }
  });
});
