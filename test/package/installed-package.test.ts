/**
 * The package as a user gets it: `npm pack` (which builds dist/), the tarball installed into an empty folder with
 * the machine's own npm and Node, then its commands: `npx shiftfeed --help` runs on the Node 24 the install brought,
 * the machine's older Node gets one clear line, and `npx shiftfeed-server` serves the demo. Slow: a build and an
 * install (from npm's cache when it holds the packages).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../support/render-cases.ts";
import { askDemo, startDemoServer } from "./demo-server.ts";
import { systemEnv, systemNode } from "./system-node.ts";

const engines = (JSON.parse(readFileSync(`${ROOT}package.json`, "utf8")) as { engines: { node: string } })
  .engines;

describe("the installed package", { timeout: 300_000 }, () => {
  let dir: string;
  let app: string;
  let tarball: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "shiftfeed-package-"));
    const packed = execFileSync("npm", ["pack", "--json", "--pack-destination", dir], {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    tarball = join(dir, (JSON.parse(packed) as [{ filename: string }])[0].filename);
    app = join(dir, "app");
    mkdirSync(app);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true }));
    execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball], {
      cwd: app,
      env: systemEnv(),
      stdio: "ignore",
    });
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("the tarball holds the launchers, the compiled code and the demo, and none of the project's tooling", () => {
    const files = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).trim().split("\n");
    expect(files).toContain("package/bin/shiftfeed.cjs");
    expect(files).toContain("package/dist/cli/main.js");
    expect(files).toContain("package/dist/node/main.js");
    expect(files).toContain("package/fixtures/demo/stmarys--cardiology.json");
    const tops = new Set(
      files.map((f) =>
        f
          .split("/")
          .slice(1, f.startsWith("package/fixtures/") ? 3 : 2)
          .join("/"),
      ),
    );
    expect([...tops].sort()).toEqual(["README.md", "bin", "dist", "fixtures/demo", "package.json"]);
  });

  it("`npx shiftfeed --help` runs on the Node 24 the install brought", () => {
    const run = spawnSync("npx", ["--no-install", "shiftfeed", "--help"], {
      cwd: app,
      env: systemEnv(),
      encoding: "utf8",
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Usage: shiftfeed \[options\] \[command\]/);
  });

  it("on the machine's older Node, `shiftfeed` prints one line naming the Node it needs and the one it found, exit 1", () => {
    const node = systemNode();
    const [major, minor, patch] = node.version.slice(1).split(".").map(Number);
    const [needMajor, needMinor, needPatch] = engines.node.slice(2).split(".").map(Number);
    const older = major! - needMajor! || minor! - needMinor! || patch! - needPatch!;
    expect(
      older,
      `the machine's Node (${node.path}, ${node.version}) must be older than ${engines.node}`,
    ).toBeLessThan(0);
    const run = spawnSync(node.path, [join(app, "node_modules/.bin/shiftfeed"), "--help"], {
      cwd: app,
      env: systemEnv(),
      encoding: "utf8",
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      `shiftfeed: needs Node.js ${engines.node}, found Node.js ${node.version} (${node.path})\n`,
    );
  });

  it("`npx shiftfeed-server` serves the demo on an empty data dir", async () => {
    const server = startDemoServer(
      "npx",
      ["--no-install", "shiftfeed-server"],
      app,
      systemEnv({ DATA_DIR: join(dir, "data"), PORT: "0", HOST: "127.0.0.1" }),
    );
    try {
      const { url, feedPath } = await server.ready;
      const answer = await askDemo(url, feedPath);
      expect(answer.health).toBe(200);
      expect(answer.feedStatus).toBe(200);
      expect(answer.feedType).toMatch(/^text\/calendar/);
      expect(answer.feed).toMatch(/^BEGIN:VCALENDAR\r\n[\s\S]*BEGIN:VEVENT\r\n/);
    } finally {
      await server.stop();
    }
  });
});
