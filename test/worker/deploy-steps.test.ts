/**
 * The deployment steps of docs/cloudflare.md › Steps can be followed as written: every variable a step uses is
 * set by an earlier step, the secrets they generate are ones the Worker accepts, kept in a file only its owner can
 * read (git ignores it) before they are set, and never replaced when the steps run again; the step that sets `PUBLIC_URL`
 * really changes what wrangler reads from wrangler.toml, and the snapshot they publish exists. The steps that talk
 * to Cloudflare (`wrangler login`, `r2`, `secret put`, `deploy`, `curl`) are not run: everything else is, in bash,
 * on a copy of wrangler.toml.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { parseConfig } from "../../src/core/config.ts";
import { ROOT } from "../support/render-cases.ts";

/** The shell lines of the `sh` block under `## Steps`, continuation lines joined. */
function steps(): string[] {
  const doc = readFileSync(join(ROOT, "docs/cloudflare.md"), "utf8");
  const block = /## Steps\n\n```sh\n([\s\S]*?)\n```/.exec(doc);
  if (block === null) throw new Error("docs/cloudflare.md has no sh block under ## Steps");
  return block[1]!.replace(/\\\n\s*/g, "").split("\n");
}

/** The line without its trailing comment (none of the steps has `#` inside quotes or a command substitution). */
function code(line: string): string {
  return line.replace(/\s+#.*$/, "").trim();
}

/** Steps that reach Cloudflare or a deployed Worker, which a test cannot run. */
const REMOTE = /\bwrangler (login|r2|secret|deploy)\b|^curl\b/;

/**
 * Runs the steps that do not reach Cloudflare, in bash, in `cwd`.
 * @returns `ADMIN_TOKEN`, `FEED_SECRET`, `PUBLIC_URL` and `SECRETS` as the steps leave them.
 */
function runLocalSteps(cwd: string): [string, string, string, string] {
  const lines = steps().map(code);
  // Never run a step that reaches Cloudflare: every wrangler command but the config file's name is remote.
  for (const l of lines) if (/wrangler(?!\.toml)/.test(l)) expect(REMOTE.test(l), l).toBe(true);
  const local = lines.filter((l) => l !== "" && !REMOTE.test(l));
  const script = [
    "set -euo pipefail",
    ...local,
    'printf "%s\\n%s\\n%s\\n%s\\n" "$ADMIN_TOKEN" "$FEED_SECRET" "$PUBLIC_URL" "$SECRETS"',
  ].join("\n");
  const out = execFileSync("bash", ["-c", script], { cwd, encoding: "utf8" }).split("\n");
  return out.slice(0, 4) as [string, string, string, string];
}

describe("docs/cloudflare.md › Steps", () => {
  const work = mkdtempSync(join(tmpdir(), "shiftfeed-deploy-steps-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("sets every variable before a step uses it", () => {
    const set = new Set<string>();
    const unset: string[] = [];
    for (const line of steps().map(code)) {
      for (const use of line.matchAll(/\$\{?([A-Z_][A-Z0-9_]*)/g)) {
        if (!set.has(use[1]!)) unset.push(`${use[1]} in: ${line}`);
      }
      const assignment = /^([A-Z_][A-Z0-9_]*)=/.exec(line);
      if (assignment !== null) set.add(assignment[1]!);
    }
    expect(unset).toEqual([]);
    expect([...set].sort()).toEqual(["ADMIN_TOKEN", "FEED_SECRET", "PUBLIC_URL", "SECRETS"]);
  });

  it("puts the two secrets the Worker reads, and publishes a snapshot that exists", () => {
    const lines = steps().map(code);
    const secrets = lines.flatMap((l) => /wrangler secret put (\S+)$/.exec(l)?.[1] ?? []);
    expect(secrets.sort()).toEqual(["ADMIN_TOKEN", "FEED_SECRET"]);
    for (const name of secrets) expect(readFileSync(join(ROOT, "src/worker/env.ts"), "utf8")).toContain(name);
    const files = lines.flatMap((l) => [...l.matchAll(/--data-binary @(\S+)/g)].map((m) => m[1]!));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(existsSync(join(ROOT, file)), file).toBe(true);
  });

  it("generates secrets the Worker accepts and sets PUBLIC_URL in wrangler.toml", () => {
    copyFileSync(join(ROOT, "wrangler.toml"), join(work, "wrangler.toml"));
    const [adminToken, feedSecret, publicUrl] = runLocalSteps(work);
    const config = parseConfig({ ADMIN_TOKEN: adminToken, FEED_SECRET: feedSecret, PUBLIC_URL: publicUrl });
    expect(config.adminToken).toBe(adminToken);
    expect(config.feedSecret).toBe(feedSecret);
    expect(config.publicUrl).toBe(publicUrl);
    const read = unstable_readConfig({ config: join(work, "wrangler.toml") });
    expect(read.vars.PUBLIC_URL).toBe(publicUrl);
    expect(unstable_readConfig({ config: join(ROOT, "wrangler.toml") }).vars.PUBLIC_URL).not.toBe(publicUrl);
  });

  it("keeps the secrets in a file only its owner reads, before setting them, and never replaces it", () => {
    const dir = mkdtempSync(join(work, "again-"));
    copyFileSync(join(ROOT, "wrangler.toml"), join(dir, "wrangler.toml"));
    const [adminToken, feedSecret, , file] = runLocalSteps(dir);
    const path = join(dir, file);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, "utf8")).toBe(`ADMIN_TOKEN=${adminToken}\nFEED_SECRET=${feedSecret}\n`);
    // Captured before being set: the file is written by a step before the first `wrangler secret put`.
    const lines = steps().map(code);
    const written = lines.findIndex((l) => l.includes('> "$SECRETS"'));
    const put = lines.findIndex((l) => /wrangler secret put/.test(l));
    expect(written).toBeGreaterThanOrEqual(0);
    expect(written).toBeLessThan(put);
    // The steps again (a second deploy, a new shell): the same secrets, read back from the same file.
    expect(runLocalSteps(dir).slice(0, 2)).toEqual([adminToken, feedSecret]);
    expect(readFileSync(path, "utf8")).toBe(`ADMIN_TOKEN=${adminToken}\nFEED_SECRET=${feedSecret}\n`);
    // Never committed by mistake.
    expect(execFileSync("git", ["check-ignore", file], { cwd: ROOT, encoding: "utf8" }).trim()).toBe(file);
  });
});
