/**
 * `shiftfeed backup` and `shiftfeed restore` as an operator runs them: the CLI in a child process against the data
 * dir of a real service (`node src/node/main.ts`, real sockets) that keeps publishing while the backup runs. A
 * backup is consistent (what was acknowledged before it started is in it, whole), holds the newest link state
 * (a rotated link stays dead, a revoked partner key stays refused), and a restore serves the same bytes. The
 * refusals are one line each.
 */
import { spawn } from "node:child_process";
import {
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  truncate,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { ensureSchema, SCHEMA_VERSION } from "../../src/core/store/schema.ts";
import { openNodeSqlite } from "../../src/node/store/node-sqlite.ts";
import { startMain, type MainProcess } from "../support/process.ts";
import { ROOT } from "../support/render-cases.ts";
import { makeSnapshot, raw, type SnapshotInput } from "../support/server.ts";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with exactly `env` (plus PATH/HOME). */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${ROOT}src/cli/main.ts`, ...args], {
      cwd: ROOT,
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

const dirs: string[] = [];
const processes: MainProcess[] = [];
afterAll(async () => {
  for (const main of processes) await main.stop("SIGKILL");
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "shiftfeed-backup-"));
  dirs.push(dir);
  return dir;
}

/** Starts the service on `dir` with its secrets generated into `dir/secrets` (none from the environment). */
async function start(dir: string): Promise<{ url: string; auth: { authorization: string } }> {
  const main = startMain({
    DATA_DIR: dir,
    PORT: "0",
    HOST: "127.0.0.1",
    PUBLIC_URL: "https://feeds.example.org",
    DEMO: "0",
    SERVE_THREADS: "2",
    RENDER_THREADS: "2",
  });
  processes.push(main);
  const [, url] = await main.waitFor(/listening on (http:\/\/\S+)/, 60_000);
  const token = (await readFile(join(dir, "secrets", "admin-token"), "utf8")).trim();
  return { url: url!, auth: { authorization: `Bearer ${token}` } };
}

/** A schedule of 300 people over four months, moved by `revision` so every publish changes some feeds. */
function bigSnapshot(revision: number): SnapshotInput {
  const people = Array.from({ length: 300 }, (_, i) => ({ id: `p${i}`, name: `Dr. Person ${i}` }));
  const assignments = Array.from({ length: 3000 }, (_, i) => {
    const day = (i * 7 + (i % 10 === revision % 10 ? revision : 0)) % 120;
    const date = new Date(Date.UTC(2026, 10, 25) + day * 86_400_000).toISOString().slice(0, 10);
    return { id: `a${i}`, personId: `p${i % 300}`, shiftId: i % 2 ? "day" : "night", date };
  });
  return makeSnapshot({ revision, people, assignments, publishedAt: new Date().toISOString() });
}

const json = { "content-type": "application/json" };

describe("shiftfeed backup of a running service, restored", () => {
  it("backs up while publishes go on; the restore has the rotated link dead, the revoked key refused, the newest revision byte for byte", async () => {
    const root = await tempDir();
    const live = join(root, "live");
    const { url, auth } = await start(live);
    const publish = (revision: number) =>
      raw("PUT", `${url}/admin/orgs/acme/schedules/icu`, {
        headers: { ...auth, ...json },
        body: JSON.stringify(bigSnapshot(revision)),
      });
    expect((await publish(1)).status).toBe(200);

    // Publishes in a loop, each acknowledged revision noted with when it was acknowledged.
    let revision = 1;
    const acked: { revision: number; at: number; ms: number }[] = [];
    const statuses: number[] = [];
    let publishing = true;
    const loop = (async () => {
      while (publishing) {
        const next = ++revision;
        const sent = performance.now();
        const reply = await publish(next);
        statuses.push(reply.status);
        if (reply.status === 200)
          acked.push({ revision: next, at: performance.now(), ms: performance.now() - sent });
      }
    })();
    const backups: { file: string; ackedBefore: number; startedBefore: number }[] = [];
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 300));
      const file = join(root, `during-${i}.db`);
      const ackedBefore = acked.at(-1)?.revision ?? 1;
      const run = await cli(["backup", file], { DATA_DIR: live });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(
        new RegExp(
          `^backed up .*shiftfeed\\.db to .*during-\\d\\.db \\(.* schema ${SCHEMA_VERSION}, 1 schedules`,
        ),
      );
      expect(run.stdout).toContain("without the secrets");
      backups.push({ file, ackedBefore, startedBefore: revision });
    }
    publishing = false;
    await loop;
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(acked.length).toBeGreaterThanOrEqual(3);
    for (const { file, ackedBefore, startedBefore } of backups) {
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const db = new DatabaseSync(file, { readOnly: true });
      expect(db.prepare("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
      expect(db.prepare("PRAGMA journal_mode").get()).toEqual({ journal_mode: "delete" });
      const row = db.prepare("SELECT revision FROM schedules WHERE org = 'acme' AND schedule = 'icu'").get();
      const held = Number(row?.["revision"]);
      expect(held).toBeGreaterThanOrEqual(ackedBefore);
      expect(held).toBeLessThanOrEqual(startedBefore);
      // Every feed of the revision it holds has its body: the copy is one committed state.
      const orphans = db
        .prepare("SELECT count(*) AS n FROM feeds WHERE body_key NOT IN (SELECT key FROM blobs)")
        .get();
      expect(orphans).toEqual({ n: 0 });
      db.close();
      // A backup is never left next to a temporary file.
      expect((await readdir(root)).filter((name) => name.includes(".tmp"))).toEqual([]);
    }

    // The newest link state: a rotated link, a revoked partner key, then one more revision.
    const person = async (): Promise<{ feed: { url: string } }> =>
      (await raw("GET", `${url}/admin/orgs/acme/people/p7`, { headers: auth })).json as {
        feed: { url: string };
      };
    const oldPath = new URL((await person()).feed.url).pathname;
    expect((await raw("POST", `${url}/admin/orgs/acme/people/p7/rotate`, { headers: auth })).status).toBe(
      200,
    );
    const newPath = new URL((await person()).feed.url).pathname;
    expect(newPath).not.toBe(oldPath);
    const created = await raw("POST", `${url}/admin/partners`, {
      headers: { ...auth, ...json },
      body: JSON.stringify({ org: "acme", name: "rostering" }),
    });
    expect(created.status).toBe(201);
    const partner = created.json as { id: string; key: string };
    const range = "/partner/orgs/acme/schedules/icu.json?from=2026-12-01&to=2026-12-31";
    const asPartner = { authorization: `Bearer ${partner.key}` };
    expect((await raw("GET", `${url}${range}`, { headers: asPartner })).status).toBe(200);
    expect((await raw("DELETE", `${url}/admin/partners/${partner.id}`, { headers: auth })).status).toBe(200);
    const last = ++revision;
    expect((await publish(last)).status).toBe(200);
    const served = await raw("GET", `${url}${newPath}`);
    expect(served.status).toBe(200);

    const file = join(root, "final.db");
    const made = await cli(["backup", "--with-secrets", file], { DATA_DIR: live });
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toContain("with the secrets admin-token, feed-secret");
    const again = await cli(["backup", "--with-secrets", file], { DATA_DIR: live });
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`shiftfeed: ${file} already exists: pass --force to replace it\n`);
    const forced = await cli(["backup", "--with-secrets", "--force", file], { DATA_DIR: live });
    expect(forced.code, forced.stderr).toBe(0);
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    const restored = join(root, "restored");
    const put = await cli(["restore", file], { DATA_DIR: restored });
    expect(put.code, put.stderr).toBe(0);
    expect(put.stdout).toMatch(
      new RegExp(
        `^restored .*final\\.db into .*restored/shiftfeed\\.db \\(schema ${SCHEMA_VERSION}, 1 schedules`,
      ),
    );
    expect((await stat(restored)).mode & 0o777).toBe(0o700);
    expect((await stat(join(restored, "shiftfeed.db"))).mode & 0o777).toBe(0o600);
    expect((await stat(join(restored, "secrets"))).mode & 0o777).toBe(0o700);
    expect((await stat(join(restored, "secrets", "feed-secret"))).mode & 0o777).toBe(0o600);
    const feedSecret = await readFile(join(live, "secrets", "feed-secret"), "utf8");
    expect(await readFile(join(restored, "secrets", "feed-secret"), "utf8")).toBe(feedSecret);
    // The restored database keeps no copy of the secrets the backup carried.
    expect((await readFile(join(restored, "shiftfeed.db"))).includes(feedSecret.trim())).toBe(false);

    const copy = await start(restored);
    const schedule = await raw("GET", `${copy.url}/admin/orgs/acme/schedules/icu`, { headers: copy.auth });
    expect((schedule.json as { revision: number }).revision).toBe(last);
    const fresh = await raw("GET", `${copy.url}${newPath}`);
    expect(fresh.status).toBe(200);
    expect(fresh.headers.etag).toBe(served.headers.etag);
    expect(fresh.body.equals(served.body)).toBe(true);
    expect([404, 410]).toContain((await raw("GET", `${copy.url}${oldPath}`)).status);
    expect((await raw("GET", `${copy.url}${range}`, { headers: asPartner })).status).toBe(401);
  }, 240_000);
});

describe("shiftfeed backup and restore refusals", () => {
  /** A data dir holding an empty shiftfeed database of this build's schema. */
  async function dataDir(): Promise<string> {
    const dir = join(await tempDir(), "data");
    await mkdir(dir);
    const sql = openNodeSqlite({ path: join(dir, "shiftfeed.db") });
    ensureSchema(sql);
    sql.close();
    await mkdir(join(dir, "secrets"), { mode: 0o700 });
    await writeFile(join(dir, "secrets", "feed-secret"), "feed-secret-value-0123456789-abcdefghijk\n", {
      mode: 0o600,
    });
    return dir;
  }
  async function backupOf(dir: string): Promise<string> {
    const file = join(dir, "..", "backup.db");
    const run = await cli(["backup", file], { DATA_DIR: dir });
    expect(run.code, run.stderr).toBe(0);
    return file;
  }
  const refusal = async (args: string[], env: Record<string, string>, line: RegExp) => {
    const run = await cli(args, env);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr.split("\n").filter(Boolean)).toHaveLength(1);
    expect(run.stderr).toMatch(line);
  };

  it("a backup without --with-secrets holds no secret, and its restore says how to bring the feed secret", async () => {
    const dir = await dataDir();
    const file = await backupOf(dir);
    expect((await readFile(file)).includes("feed-secret-value-0123456789")).toBe(false);
    const target = join(dir, "..", "new");
    const run = await cli(["restore", "--data-dir", target, file]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      "the backup holds no secrets: start with the backed-up service's FEED_SECRET",
    );
    expect(await readdir(target)).not.toContain("secrets");
  });

  it("restores a plain copy of a stopped service's database (WAL mode) and leaves nothing beside it", async () => {
    const dir = await dataDir();
    const plain = join(dir, "..", "plain.db");
    await copyFile(join(dir, "shiftfeed.db"), plain);
    const before = (await readdir(join(dir, ".."))).sort();
    const run = await cli(["restore", "--data-dir", join(dir, "..", "restored"), plain]);
    expect(run.code, run.stderr).toBe(0);
    expect((await readdir(join(dir, ".."))).sort()).toEqual([...before, "restored"].sort());
  });

  it("restore refuses a data dir that is not empty, and leaves it as it was", async () => {
    const dir = await dataDir();
    const file = await backupOf(dir);
    const before = (await readdir(dir)).sort();
    await refusal(
      ["restore", file],
      { DATA_DIR: dir },
      /^shiftfeed: DATA_DIR ".*data" is not empty \(secrets, shiftfeed\.db\): restore only into an empty or new folder/,
    );
    expect((await readdir(dir)).sort()).toEqual(before);
  });

  it("restore refuses a file that is not a database, a damaged one, another program's, and a newer schema", async () => {
    const dir = await dataDir();
    const file = await backupOf(dir);
    const target = join(dir, "..", "target");
    const env = { DATA_DIR: target };
    const snapshot = join(dir, "..", "snapshot.json");
    await writeFile(snapshot, JSON.stringify(makeSnapshot()));
    await refusal(
      ["restore", snapshot],
      env,
      /snapshot\.json is not a SQLite database \(a shiftfeed backup is one\)$/m,
    );

    const damaged = join(dir, "..", "damaged.db");
    await copyFile(file, damaged);
    await truncate(damaged, Math.floor((await stat(file)).size / 2));
    await refusal(["restore", damaged], env, /damaged\.db (is damaged|cannot be read as a database)/);

    const foreign = join(dir, "..", "foreign.db");
    const other = new DatabaseSync(foreign);
    other.exec("CREATE TABLE notes (text TEXT)");
    other.close();
    await refusal(["restore", foreign], env, /foreign\.db is a SQLite database but not a shiftfeed one/);

    const newer = join(dir, "..", "newer.db");
    await copyFile(file, newer);
    const db = new DatabaseSync(newer);
    db.prepare("UPDATE meta SET value = ? WHERE key = 'schema'").run(String(SCHEMA_VERSION + 1));
    db.close();
    await refusal(
      ["restore", newer],
      env,
      new RegExp(
        `newer\\.db has schema version ${SCHEMA_VERSION + 1}, newer than this shiftfeed reads \\(${SCHEMA_VERSION}\\)`,
      ),
    );
    // Nothing was created for any refused restore.
    await expect(stat(target)).rejects.toThrow(/ENOENT/);
  });

  it("backup refuses any output inside DATA_DIR, --force or not, through a symlink or '..', and restore a source inside the target or a data dir's own database", async () => {
    const dir = await dataDir();
    const before = await readFile(join(dir, "shiftfeed.db"));
    const link = join(dir, "..", "link-to-data");
    await symlink(dir, link);
    for (const out of [
      join(dir, "shiftfeed.db"),
      join(dir, "shiftfeed.db-wal"),
      join(dir, "shiftfeed.db-shm"),
      join(dir, "secrets", "copy.db"),
      join(dir, "..", "data", "x.db"),
      join(link, "shiftfeed.db-wal"),
      dir,
    ]) {
      await refusal(
        ["backup", "--force", out],
        { DATA_DIR: dir },
        /is inside DATA_DIR ".*data": write the backup outside the data dir$/m,
      );
    }
    expect((await readdir(dir)).sort()).toEqual(["secrets", "shiftfeed.db"]);
    expect(await readFile(join(dir, "shiftfeed.db"))).toEqual(before);

    const target = join(dir, "..", "target");
    await mkdir(target);
    const inside = join(target, "b.db");
    await copyFile(join(dir, "shiftfeed.db"), inside);
    await refusal(
      ["restore", join(link, "..", "target", "b.db")],
      { DATA_DIR: target },
      /is inside DATA_DIR ".*target": restore from a backup kept outside the data dir$/m,
    );
    await writeFile(join(dir, "instance.lock"), "");
    await refusal(
      ["restore", join(link, "shiftfeed.db")],
      { DATA_DIR: join(dir, "..", "fresh") },
      /shiftfeed\.db is the database of the data dir ".*data": back it up with `DATA_DIR=.* shiftfeed backup <file>`/,
    );
  });

  it("backup refuses a data dir without a database, naming DATA_DIR", async () => {
    const empty = await tempDir();
    await refusal(
      ["backup", join(empty, "out.db")],
      { DATA_DIR: empty },
      /no database in DATA_DIR ".*" \(shiftfeed\.db is missing\)/,
    );
    expect(await readdir(empty)).toEqual([]);
  });
});
