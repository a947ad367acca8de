/**
 * A read-only data dir at start-up (docs/test-checklist.md §D 27): a data dir holding a published database, mounted
 * read-only (a bind mount in a private mount namespace when this runs as root, as CI does; otherwise the folder's
 * write permission taken away). The service refuses to start with one line naming the setting and the reason —
 * no stack trace, nothing written — and the same data dir, writable again, serves the same bytes as before.
 */
import { spawn, spawnSync } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../support/render-cases.ts";
import { startMain } from "../support/process.ts";
import { ADMIN_TOKEN, FEED_SECRET, databaseListing, makeSnapshot, raw } from "../support/server.ts";

const env = (dataDir: string) => ({
  DATA_DIR: dataDir,
  PORT: "0",
  HOST: "127.0.0.1",
  ADMIN_TOKEN,
  FEED_SECRET,
  DEMO: "0",
});
const root = process.getuid?.() === 0;
const canMount = root && spawnSync("unshare", ["-m", "true"]).status === 0;

/** Runs main.ts on `dataDir` made read-only; resolves to its exit code and output. */
function runReadOnly(dataDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const node = [process.execPath, `${ROOT}src/node/main.ts`];
  const [command, args] = canMount
    ? [
        "unshare",
        [
          "-m",
          "--propagation",
          "private",
          "sh",
          "-c",
          'mount --bind -o ro "$0" "$0" && exec "$@"',
          dataDir,
          ...node,
        ],
      ]
    : [node[0]!, node.slice(1)];
  const child = spawn(command, args, {
    env: { PATH: process.env["PATH"] ?? "", HOME: "/tmp", ...env(dataDir) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
  child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  return new Promise((resolve) =>
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

describe("a read-only data dir", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) {
      await chmod(d, 0o755).catch(() => undefined);
      await rm(d, { recursive: true, force: true });
    }
  });

  it.skipIf(!canMount && root)(
    `is refused at start with one line naming it (${canMount ? "read-only bind mount" : "no write permission"}), and nothing changes`,
    async () => {
      const dataDir = await mkdtemp(join(tmpdir(), "shiftfeed-ro-"));
      dirs.push(dataDir);
      let main = startMain(env(dataDir));
      const url = (await main.waitFor(/listening on (http:\/\/\S+)/))[1]!;
      const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
      const put = await raw("PUT", `${url}/admin/orgs/acme/schedules/icu`, {
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify(makeSnapshot()),
      });
      expect(put.status).toBe(200);
      const link = new URL(
        (
          (await raw("GET", `${url}/admin/orgs/acme/people/pA`, { headers: auth })).json as {
            feed: { url: string };
          }
        ).feed.url,
      ).pathname;
      const before = await raw("GET", url + link);
      expect(await main.stop()).toBe(0);
      const listing = databaseListing(join(dataDir, "shiftfeed.db"));

      if (!canMount) await chmod(dataDir, 0o555);
      const refused = await runReadOnly(dataDir);
      expect(refused.code).toBe(1);
      const lines = refused.stderr.trimEnd().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^shiftfeed: DATA_DIR ".*" is not writable \((EROFS|EACCES)\); set DATA_DIR to a writable folder$/,
      );
      expect(refused.stdout).toBe("");
      if (!canMount) await chmod(dataDir, 0o755);
      expect(databaseListing(join(dataDir, "shiftfeed.db"))).toEqual(listing);

      main = startMain(env(dataDir));
      const again = (await main.waitFor(/listening on (http:\/\/\S+)/))[1]!;
      const after = await raw("GET", again + link);
      expect(after.status).toBe(200);
      expect(after.body.equals(before.body)).toBe(true);
      expect(after.headers.etag).toBe(before.headers.etag);
      expect(after.headers["last-modified"]).toBe(before.headers["last-modified"]);
      await main.stop();
    },
    60_000,
  );
});
