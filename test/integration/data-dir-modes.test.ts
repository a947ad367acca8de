/**
 * The data dir holds staff names, emails and phone numbers: started as an operator does (`node src/node/main.ts`,
 * umask 022), `DATA_DIR` is `0700` and the database, its `-wal` and `-shm`, and the lock and owner files `0600`;
 * a data dir made looser earlier is tightened at start with one line saying so, and one this process may not
 * change gets one line saying what to run.
 */
import { spawn } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../support/render-cases.ts";
import { mainEnv, startMain } from "../support/process.ts";
import { ADMIN_TOKEN, makeSnapshot, raw } from "../support/server.ts";

const env = (dataDir: string) => mainEnv(dataDir);
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const modeOf = async (path: string) => ((await stat(path)).mode & 0o777).toString(8);
const DB_FILES = ["shiftfeed.db", "shiftfeed.db-wal", "shiftfeed.db-shm", "instance.lock", "instance.json"];

/** Modes of the data dir and of the files shiftfeed keeps in it, while it runs (so the -wal and -shm exist). */
async function modes(dataDir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = { ".": await modeOf(dataDir) };
  for (const name of DB_FILES) out[name] = await modeOf(join(dataDir, name));
  return out;
}
const PRIVATE = {
  ".": "700",
  ...Object.fromEntries(DB_FILES.map((name) => [name, "600"])),
};

describe("the data dir's modes", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "shiftfeed-modes-"));
    await chmod(root, 0o755);
  });
  /** Every process started, so that a failed test leaves none running. */
  const started: { kill(signal: NodeJS.Signals): unknown }[] = [];
  afterAll(async () => {
    for (const child of started) child.kill("SIGKILL");
    await rm(root, { recursive: true, force: true });
  });

  it("a new data dir is 0700 and the database with its -wal and -shm 0600, whatever the umask", async () => {
    const dataDir = join(root, "new");
    // The admin token generated, so that secrets/ is made too.
    const main = startMain({ ...env(dataDir), ADMIN_TOKEN: "" });
    started.push(main.child);
    await main.waitFor(/listening on/);
    expect(await modes(dataDir)).toEqual(PRIVATE);
    expect(await modeOf(join(dataDir, "secrets"))).toBe("700");
    expect(await modeOf(join(dataDir, "secrets", "admin-token"))).toBe("600");
    expect(main.stdout()).not.toMatch(/data_dir_modes/);
    expect(await main.stop()).toBe(0);
  });

  it("an existing data dir made readable by others is tightened at start, with one line saying so", async () => {
    const dataDir = join(root, "loose");
    let main = startMain(env(dataDir));
    started.push(main.child);
    const url = (await main.waitFor(/listening on (http:\/\/\S+)/))[1]!;
    const put = await raw("PUT", `${url}/admin/orgs/acme/schedules/icu`, {
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify(makeSnapshot()),
    });
    expect(put.status).toBe(200);
    // Killed, so the -wal and -shm stay, then everything loosened as an earlier version left it.
    expect(await main.stop("SIGKILL")).toBe("SIGKILL");
    await chmod(dataDir, 0o755);
    for (const name of DB_FILES) await chmod(join(dataDir, name), 0o644);
    // And a secrets folder left open (its secret unused here: ADMIN_TOKEN is set).
    await mkdir(join(dataDir, "secrets"), { mode: 0o755 });
    await chmod(join(dataDir, "secrets"), 0o755);
    await writeFile(join(dataDir, "secrets", "admin-token"), "unused-admin-token-0123456789\n", {
      mode: 0o644,
    });
    await chmod(join(dataDir, "secrets", "admin-token"), 0o644);

    main = startMain(env(dataDir));
    started.push(main.child);
    await main.waitFor(/listening on/);
    const lines = main
      .stdout()
      .split("\n")
      .filter((l) => l.includes("data_dir_modes"));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: "warn",
      message: expect.stringMatching(
        /^DATA_DIR ".*loose" was readable by others \(DATA_DIR 0755, shiftfeed\.db 0644, shiftfeed\.db-wal 0644, shiftfeed\.db-shm 0644, instance\.lock 0644, instance\.json 0644, secrets 0755, secrets\/admin-token 0644\): made the folder 0700 and its files 0600$/,
      ),
    });
    expect(await modes(dataDir)).toEqual(PRIVATE);
    expect(await modeOf(join(dataDir, "secrets"))).toBe("700");
    expect(await modeOf(join(dataDir, "secrets", "admin-token"))).toBe("600");
    expect(await main.stop()).toBe(0);
  });

  const asRoot = process.getuid?.() === 0;
  it.runIf(asRoot)(
    "one this process may not change: one line saying what to run, and it starts",
    async () => {
      // A folder of root's, open to all, and shiftfeed running as nobody: it may not chmod the folder.
      const dataDir = join(root, "foreign");
      await mkdir(dataDir, { mode: 0o777 });
      await chmod(dataDir, 0o777);
      const child = spawn(process.execPath, [`${ROOT}src/node/main.ts`], {
        cwd: ROOT,
        env: { PATH: process.env["PATH"] ?? "", HOME: "/tmp", ...env(dataDir) },
        stdio: ["ignore", "pipe", "pipe"],
        uid: 65534,
        gid: 65534,
      });
      started.push(child);
      let out = "";
      child.stdout.on("data", (b: Buffer) => (out += b.toString()));
      child.stderr.on("data", (b: Buffer) => (out += b.toString()));
      const exited = new Promise((resolve) => child.on("exit", resolve));
      await expect.poll(() => out, { timeout: 20_000, interval: 100 }).toMatch(/listening on/);
      const lines = out.split("\n").filter((l) => l.includes("data_dir_modes"));
      expect(lines, out).toHaveLength(1);
      expect(JSON.parse(lines[0]!).message).toMatch(
        /^DATA_DIR ".*foreign" is readable by others \(DATA_DIR 0777\) and this process may not change that \(EPERM\); run: chmod -R go-rwx ".*foreign"$/,
      );
      // What it created itself is private all the same.
      expect(await modeOf(join(dataDir, "shiftfeed.db"))).toBe("600");
      child.kill("SIGTERM");
      await exited;
    },
  );
});
