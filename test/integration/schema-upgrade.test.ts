/**
 * The rule upgrades and rollbacks rely on (docs/operations.md, "Upgrades"): a build refuses a database of a newer
 * schema version at start, with one line naming both versions, and leaves it untouched.
 */
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureSchema, SCHEMA_VERSION } from "../../src/core/store/schema.ts";
import { openNodeSqlite } from "../../src/node/store/node-sqlite.ts";
import { startMain, type MainProcess } from "../support/process.ts";

const dirs: string[] = [];
const processes: MainProcess[] = [];
afterAll(async () => {
  for (const main of processes) await main.stop("SIGKILL");
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "shiftfeed-upgrade-"));
  dirs.push(dir);
  return dir;
}

describe("upgrades: the schema version at start", () => {
  it("a build refuses a database of a newer schema version with one line naming both, and changes nothing", async () => {
    const dir = join(await tempDir(), "data");
    await mkdir(dir);
    const path = join(dir, "shiftfeed.db");
    const sql = openNodeSqlite({ path });
    ensureSchema(sql);
    sql.run("UPDATE meta SET value = ? WHERE key = 'schema'", String(SCHEMA_VERSION + 1));
    sql.close();
    const before = await readFile(path);
    const main = startMain({ DATA_DIR: dir, PORT: "0", HOST: "127.0.0.1", DEMO: "0" });
    processes.push(main);
    expect(await main.exited).toBe(1);
    expect(main.stderr().split("\n").filter(Boolean)).toHaveLength(1);
    expect(main.stderr()).toContain(
      `the database has schema version ${SCHEMA_VERSION + 1}; this shiftfeed reads version ${SCHEMA_VERSION}`,
    );
    expect((await readFile(path)).equals(before)).toBe(true);
  }, 60_000);
});
