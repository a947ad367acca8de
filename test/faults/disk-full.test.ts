/**
 * A real full disk (`DATA_DIR` on a 20 MiB tmpfs, mounted by this test as root, filled up to 5 MiB) under the real server
 * (`node src/node/main.ts`): a publish that does not fit is refused with `503` (storage full) and gives back the
 * space its write-ahead log took, so feeds keep serving, a smaller publish lands and a restart after `SIGKILL`
 * starts; a start on a disk with no space left is refused with one line naming `DATA_DIR`, the space and what
 * takes it.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, statfs, writeFile, open } from "node:fs/promises";
import { statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mainEnv, runMainToExit, startMain, type MainProcess } from "../support/process.ts";
import { ADMIN_TOKEN, makeSnapshot, raw } from "../support/server.ts";

const MiB = 1 << 20;
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const asRoot = process.getuid?.() === 0;

/** A snapshot of `people` people with ten assignments each, every note `noteBytes` random hex (no compression). */
function bigSnapshot(revision: number, people: number, noteBytes: number) {
  const ids = Array.from({ length: people }, (_, i) => `p${i}`);
  return makeSnapshot({
    revision,
    people: ids.map((id) => ({ id, name: `Dr. ${id}` })),
    assignments: ids.flatMap((personId, i) =>
      Array.from({ length: 10 }, (_, d) => ({
        id: `a${i}-${d}`,
        personId,
        shiftId: "day",
        date: `2026-12-${String(d + 1).padStart(2, "0")}`,
        note: randomBytes(noteBytes / 2).toString("hex"),
      })),
    ),
  });
}

const free = async (dir: string) => {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
};
const walBytes = (dataDir: string) =>
  statSync(join(dataDir, "shiftfeed.db-wal"), { throwIfNoEntry: false })?.size ?? 0;

describe.runIf(asRoot)("a full disk under DATA_DIR (a 20 MiB tmpfs)", () => {
  let mount: string;
  let dataDir: string;
  let main: MainProcess;
  let url: string;
  const env = () => mainEnv(dataDir);
  const start = async () => {
    main = startMain(env());
    url = (await main.waitFor(/listening on (http:\/\/\S+)/))[1]!;
  };
  const publish = (snapshot: unknown) =>
    raw("PUT", `${url}/admin/orgs/acme/schedules/icu`, {
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify(snapshot),
    });

  beforeAll(async () => {
    mount = await mkdtemp(join(tmpdir(), "shiftfeed-full-"));
    const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=20m", "tmpfs", mount], {
      encoding: "utf8",
    });
    expect(mounted.status, mounted.stderr).toBe(0);
    dataDir = join(mount, "data");
  });
  afterAll(async () => {
    await main?.stop("SIGKILL");
    spawnSync("umount", [mount]);
    await rm(mount, { recursive: true, force: true });
  });

  it("a publish that does not fit: 503, the log's space given back, feeds served, a restart after SIGKILL starts", async () => {
    await start();
    expect((await publish(makeSnapshot())).status).toBe(200);
    const link = new URL(
      (
        (await raw("GET", `${url}/admin/orgs/acme/people/pA`, { headers: auth })).json as {
          feed: { url: string };
        }
      ).feed.url,
    ).pathname;
    const before = await raw("GET", url + link);
    expect(before.status).toBe(200);
    // Leave 5 MiB: the publish below writes more than that.
    await writeFile(join(mount, "filler"), Buffer.alloc((await free(mount)) - 5 * MiB, 1));
    const freeBefore = await free(mount);

    const big = bigSnapshot(2, 240, 1000); // 2,400 notes of 1,000 random characters: 2.4 MB of JSON
    const refused = await publish(big);
    expect(refused.status, refused.text).toBe(503);
    expect(refused.text).toMatch(/Storage is full/);
    // The log holds no more than what was committed: the failed write's pages are given back.
    await expect.poll(() => walBytes(dataDir), { timeout: 10_000 }).toBeLessThan(MiB);
    expect(await free(mount)).toBeGreaterThan(freeBefore - 2 * MiB);
    const after = await raw("GET", url + link);
    expect(after.status).toBe(200);
    expect(after.body.equals(before.body)).toBe(true);
    expect((await publish(makeSnapshot({ revision: 3 }))).status).toBe(200);

    expect(await main.stop("SIGKILL")).toBe("SIGKILL");
    await start();
    expect((await raw("GET", url + link)).status).toBe(200);
    expect(await main.stop()).toBe(0);
  });

  it("a start on a disk with no space left: one line naming DATA_DIR, the space and what takes it", async () => {
    // Fill every block left.
    const filler = await open(join(mount, "filler"), "a");
    const chunk = Buffer.alloc(64 * 1024, 1);
    try {
      for (;;) await filler.write(chunk);
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe("ENOSPC");
    } finally {
      await filler.close();
    }
    await writeFile(join(mount, "filler-tail"), Buffer.alloc(4096)).catch(() => undefined);
    const refused = await runMainToExit(env());
    expect(refused.code).toBe(1);
    const lines = refused.stderr.trimEnd().split("\n");
    expect(lines, refused.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^shiftfeed: DATA_DIR ".*data" is full \(0\.\d MiB free of 20\.0 MiB on its file system; shiftfeed\.db \d+\.\d MiB.*\): free space there or give it more, then start again/,
    );
    expect(refused.stderr).not.toMatch(/\n\s+at /);

    await rm(join(mount, "filler"));
    await rm(join(mount, "filler-tail"), { force: true });
    await start();
    expect(await main.stop()).toBe(0);
  });
});
