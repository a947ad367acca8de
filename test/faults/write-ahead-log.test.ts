/**
 * The database's write-ahead log taken apart from it (`node src/node/main.ts`, as an operator runs it): committed
 * changes live in `shiftfeed.db-wal` until a checkpoint copies them into `shiftfeed.db`, and SQLite alone opens
 * what `shiftfeed.db` holds without a word when the log is gone.
 *
 * - the `-wal` deleted while running: the process says so in one error line and keeps copying into the database,
 *   so revisions acknowledged afterwards survive a `SIGKILL`;
 * - the `-wal` deleted (or replaced by another database's) while stopped, with changes only in it: the start is
 *   refused with one line naming the file and what to do; doing that starts from what the database holds.
 */
import { copyFile, mkdtemp, rm, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mainEnv, runMainToExit, startMain, type MainProcess } from "../support/process.ts";
import { ADMIN_TOKEN, makeSnapshot, raw } from "../support/server.ts";

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const env = (dataDir: string) => mainEnv(dataDir);

/** Revision `n`: every assignment carries the note `rev n`, so the feed shows which revision is live. */
const revision = (n: number) =>
  makeSnapshot({
    revision: n,
    assignments: makeSnapshot().assignments.map((a) => ({ ...a, note: `rev ${n}` })),
  });

/** Every process started, so that a failed test leaves none running. */
const started: MainProcess[] = [];

async function start(dataDir: string): Promise<{ main: MainProcess; url: string }> {
  const main = startMain(env(dataDir));
  started.push(main);
  return { main, url: (await main.waitFor(/listening on (http:\/\/\S+)/))[1]! };
}
const publish = async (url: string, n: number) =>
  (
    await raw("PUT", `${url}/admin/orgs/acme/schedules/icu`, {
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify(revision(n)),
    })
  ).status;
/** The revision the live schedule is at, from the admin API. */
const liveRevision = async (url: string) =>
  ((await raw("GET", `${url}/admin/orgs/acme/schedules/icu`, { headers: auth })).json as { revision: number })
    .revision;

/** Asserts one line on stderr matching `what`, with no stack frame. */
function expectOneLine(stderr: string, what: RegExp): void {
  const lines = stderr.trimEnd().split("\n");
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^shiftfeed: /);
  expect(lines[0]).toMatch(what);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe("the write-ahead log taken apart from the database", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "shiftfeed-wal-"));
  });
  afterAll(async () => {
    for (const main of started) await main.stop("SIGKILL");
    await rm(root, { recursive: true, force: true });
  });

  it("deleted while running: one error line, and revisions acknowledged afterwards survive SIGKILL", async () => {
    const dataDir = join(root, "running");
    let { main, url } = await start(dataDir);
    expect(await publish(url, 1)).toBe(200);
    expect(await publish(url, 2)).toBe(200);
    await unlink(join(dataDir, "shiftfeed.db-wal"));
    expect(await publish(url, 3)).toBe(200);
    expect(await publish(url, 4)).toBe(200);
    await main.waitFor(/"event":"wal_missing"/, 15_000);
    const lines = main
      .stdout()
      .split("\n")
      .filter((l) => l.includes("wal_missing"));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: "error",
      message: expect.stringMatching(
        /shiftfeed\.db-wal was deleted or replaced while shiftfeed runs: changes are copied into shiftfeed\.db every 2 s until a restart; restart shiftfeed/,
      ),
    });
    // Two more checks have copied what revisions 3 and 4 wrote; then the process dies without a clean stop.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect(await main.stop("SIGKILL")).toBe("SIGKILL");

    ({ main, url } = await start(dataDir));
    expect(await liveRevision(url)).toBe(4);
    expect(await main.stop()).toBe(0);
  });

  it("deleted while stopped with changes only in it: the start is refused in one line saying what to do", async () => {
    const dataDir = join(root, "stopped");
    const { main, url } = await start(dataDir);
    expect(await publish(url, 1)).toBe(200);
    expect(await publish(url, 2)).toBe(200);
    expect(await main.stop("SIGKILL")).toBe("SIGKILL"); // the -wal and -shm stay, revision 2 only in the -wal
    await unlink(join(dataDir, "shiftfeed.db-wal"));

    const refused = await runMainToExit(env(dataDir));
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe("");
    expectOneLine(
      refused.stderr,
      /DATA_DIR ".*stopped": .*stopped\/shiftfeed\.db-wal is missing, but .*shiftfeed\.db-shm shows \d+ committed pages in it not yet in shiftfeed\.db: the latest changes are lost\. Restore a backup, or delete .*stopped\/shiftfeed\.db-shm to start from what shiftfeed\.db holds/,
    );
    // Refused again until the operator acts; then it starts from what the database holds.
    expect((await runMainToExit(env(dataDir))).code).toBe(1);
    await unlink(join(dataDir, "shiftfeed.db-shm"));
    const again = await start(dataDir);
    expect(await publish(again.url, 3)).toBe(200);
    expect(await liveRevision(again.url)).toBe(3);
    expect(await again.main.stop()).toBe(0);
  });

  it("replaced by another database's log: the start is refused in one line", async () => {
    const [a, b] = [join(root, "a"), join(root, "b")];
    for (const dataDir of [a, b]) {
      const { main, url } = await start(dataDir);
      expect(await publish(url, 1)).toBe(200);
      expect(await main.stop("SIGKILL")).toBe("SIGKILL");
    }
    await copyFile(join(b, "shiftfeed.db-wal"), join(a, "shiftfeed.db-wal"));
    const refused = await runMainToExit(env(a));
    expect(refused.code).toBe(1);
    expectOneLine(
      refused.stderr,
      /a\/shiftfeed\.db-wal is not the log .*a\/shiftfeed\.db-shm belongs to, but/,
    );
  });
});
