/**
 * A service-only install as an operator makes one: the project's files (as git has them, without node_modules) in
 * an empty folder, `npm ci --omit=dev` with the machine's own npm and Node, then `npm start` on an empty data dir.
 * Node 24 comes from the optional dependency, which `--omit=dev` keeps; the tooling does not come at all. Slow: an
 * install (from npm's cache when it holds the packages).
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../support/render-cases.ts";
import { askDemo, startDemoServer } from "./demo-server.ts";
import { systemEnv } from "./system-node.ts";

describe("npm ci --omit=dev && npm start", { timeout: 300_000 }, () => {
  let dir: string;
  let copy: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "shiftfeed-service-"));
    copy = join(dir, "shiftfeed");
    const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    for (const file of files.split("\0")) {
      if (file === "" || !existsSync(join(ROOT, file))) continue;
      mkdirSync(dirname(join(copy, file)), { recursive: true });
      cpSync(join(ROOT, file), join(copy, file));
    }
    execFileSync("npm", ["ci", "--omit=dev", "--prefer-offline", "--no-audit", "--no-fund"], {
      cwd: copy,
      env: systemEnv(),
      stdio: "ignore",
    });
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("installs Node 24 and the runtime dependencies, and no development tooling", () => {
    expect(existsSync(join(copy, "node_modules/.bin/node"))).toBe(true);
    expect(existsSync(join(copy, "node_modules/hono"))).toBe(true);
    for (const tool of ["vitest", "wrangler", "workerd", "typescript", "eslint"])
      expect(existsSync(join(copy, "node_modules", tool)), tool).toBe(false);
  });

  it("`npm start` serves the demo on an empty data dir", async () => {
    const server = startDemoServer(
      "npm",
      ["start"],
      copy,
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
