/**
 * `shiftfeed publish` with bad files among good ones, against the real server: every good file is published, each
 * bad one (truncated, empty, binary, a folder or a symbolic link named `*.json`, a dangling link, a stale revision)
 * is named on one line with its problem, the exit code is 1, and "cannot reach" is said only when no server
 * answers at all.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli-process.ts";
import { ADMIN_TOKEN, makeSnapshot, startHarness, type Harness } from "../support/server.ts";

const good = (schedule: string, revision = 1, note = "") =>
  JSON.stringify(
    makeSnapshot({
      schedule: { id: schedule, name: `Schedule ${schedule}`, timezone: "America/New_York" },
      revision,
      ...(note && {
        assignments: [{ id: "a1", personId: "pA", shiftId: "day", date: "2026-11-25", note }],
      }),
    }),
  );

describe("shiftfeed publish with bad files among good ones", () => {
  let h: Harness;
  let env: Record<string, string>;
  let dir: string;
  beforeAll(async () => {
    h = await startHarness({ env: { SERVE_THREADS: "1" } });
    env = { SHIFTFEED_URL: h.url, SHIFTFEED_ADMIN_TOKEN: ADMIN_TOKEN };
    dir = await mkdtemp(join(tmpdir(), "shiftfeed-publish-"));
  });
  afterAll(async () => {
    await h.close();
    await rm(dir, { recursive: true, force: true });
  });

  const revisionOf = async (schedule: string) => {
    const reply = await h.admin("GET", `/admin/orgs/acme/schedules/${schedule}`);
    return reply.status === 200 ? (reply.json as { revision: number }).revision : null;
  };

  it("publishes the good files, names every bad one with its problem (one line each) and exits 1", async () => {
    const folder = join(dir, "mixed");
    await mkdir(folder);
    await writeFile(join(folder, "a-good.json"), good("alpha"));
    await writeFile(join(folder, "b-good.json"), good("beta"));
    const whole = good("gamma");
    await writeFile(join(folder, "truncated.json"), whole.slice(0, Math.floor(whole.length / 2)));
    await writeFile(join(folder, "empty.json"), "");
    await writeFile(
      join(folder, "binary.json"),
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0x1b, 0x07]),
    );
    await mkdir(join(folder, "folder.json"));
    await symlink(join(folder, "nowhere.json"), join(folder, "dangling.json"));
    await symlink(folder, join(folder, "to-a-folder.json"));
    await writeFile(join(folder, "readme.txt"), "not a snapshot, and not *.json: left alone");

    const run = await runCli(["publish", folder], env);
    expect(run.code).toBe(1);
    expect(run.stderr).not.toContain("cannot reach");
    expect(await revisionOf("alpha")).toBe(1);
    expect(await revisionOf("beta")).toBe(1);
    expect(await revisionOf("gamma")).toBeNull();
    expect(run.stdout).toMatch(
      /^2 schedules, \d+ people affected, \d+ feeds updated in [\d.]+ s \(6 not published\)$/m,
    );

    const lines = run.stderr.split("\n").filter((l) => l.startsWith(folder));
    const problem = (name: string) => {
      const mine = lines.filter((l) => l.startsWith(`${join(folder, name)} `));
      expect(mine, `${name} in:\n${run.stderr}`).toHaveLength(1);
      return mine[0]!.slice(join(folder, name).length + 1);
    };
    expect(problem("truncated.json")).toMatch(/^is not valid JSON: /);
    expect(problem("empty.json")).toBe("is empty");
    expect(problem("binary.json")).toMatch(/^is not text/);
    expect(problem("folder.json")).toBe("is a folder, not a snapshot file");
    expect(problem("dangling.json")).toBe(
      `is a symbolic link to ${join(folder, "nowhere.json")}, which cannot be opened (it does not exist)`,
    );
    expect(problem("to-a-folder.json")).toBe("is a folder, not a snapshot file");
    expect(lines).toHaveLength(6);
    expect(run.stderr).not.toContain("a-good.json");
    expect(run.stderr).not.toContain("readme.txt");

    // The same as JSON for scripts: every file not published, with its problem.
    const json = await runCli(["publish", folder, "--json"], env);
    expect(json.code).toBe(1);
    const summary = JSON.parse(json.stdout) as {
      schedules: number;
      unchanged: number;
      failures: { file: string }[];
    };
    expect(summary).toMatchObject({ schedules: 2, unchanged: 2 });
    expect(summary.failures.map((f) => f.file).sort()).toEqual(
      ["binary", "dangling", "empty", "folder", "to-a-folder", "truncated"].map((n) =>
        join(folder, `${n}.json`),
      ),
    );
  });

  it("a folder with one stale file (409) publishes the rest, names it with the server's answer and exits 1", async () => {
    const folder = join(dir, "stale");
    await mkdir(folder);
    await writeFile(join(folder, "alpha.json"), good("alpha", 2));
    await writeFile(join(folder, "beta.json"), good("beta", 1, "changed, same revision"));
    const run = await runCli(["publish", folder], env);
    expect(run.code).toBe(1);
    expect(await revisionOf("alpha")).toBe(2);
    expect(run.stderr.split("\n").filter((l) => l.startsWith(folder))).toEqual([
      `${join(folder, "beta.json")} was refused: HTTP 409: \`revision\` 1 is not above the current revision 1 ` +
        "($.revision: must be greater than 1)",
    ]);
    expect(run.stdout).toMatch(/^1 schedules, .*\(1 stale \(409\)\)$/m);
  });

  it("a single bad file is named with its problem, never as an unreachable server", async () => {
    const whole = good("delta");
    const truncated = join(dir, "single-truncated.json");
    await writeFile(truncated, whole.slice(0, 40));
    const run = await runCli(["publish", truncated], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^shiftfeed: .*single-truncated\.json is not valid JSON: .*: see `shiftfeed validate`\n$/,
    );
    const dangling = join(dir, "single-dangling.json");
    await symlink(join(dir, "gone.json"), dangling);
    const link = await runCli(["publish", dangling], env);
    expect(link.code).toBe(1);
    expect(link.stderr).toContain(
      `${dangling} is a symbolic link to ${join(dir, "gone.json")}, which cannot be opened`,
    );
    expect(`${run.stderr}${link.stderr}`).not.toContain("cannot reach");
    expect(await revisionOf("delta")).toBeNull();
  });

  it("a folder without any *.json file (an empty folder named *.json too) is refused: nothing published is not a success", async () => {
    for (const name of ["empty", "empty-named.json"]) {
      const folder = join(dir, name);
      await mkdir(folder);
      await writeFile(join(folder, "notes.txt"), "not a snapshot");
      const run = await runCli(["publish", folder], env);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe("");
      expect(run.stderr).toBe(`shiftfeed: no *.json files in ${folder}: nothing to publish\n`);
    }
  });

  it("says it cannot reach the server only when nothing answers there", async () => {
    const folder = join(dir, "unreachable");
    await mkdir(folder);
    await writeFile(join(folder, "alpha.json"), good("alpha", 3));
    const run = await runCli(["publish", folder], { ...env, SHIFTFEED_URL: "http://127.0.0.1:9" });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^shiftfeed: cannot reach http:\/\/127\.0\.0\.1:9 .*is shiftfeed running\?/);
    const single = await runCli(["publish", join(folder, "alpha.json")], {
      ...env,
      SHIFTFEED_URL: "http://127.0.0.1:9",
    });
    expect(single.code).toBe(1);
    expect(single.stderr).toMatch(/^shiftfeed: cannot reach http:\/\/127\.0\.0\.1:9 /);
  });
});
