/**
 * `shiftfeed backup --url` and `shiftfeed restore --url` as an operator runs them: the CLI in a child process
 * against two Workers in workerd over real sockets (two fresh storages, as when an organization moves to a new
 * account), and against a Node data dir. An organization published, rotated and given partner keys on one Worker
 * is backed up into a SQLite file Node's tools read, and restored into the empty other Worker: every link serves
 * the same bytes with the same validators (a conditional GET is a `304`), the rotated link stays dead, the live
 * partner key works and the revoked one does not. A Node data dir's backup restores into a Worker the same way.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminApi } from "../../../src/cli/context.ts";
import { backupWorkerOrg } from "../../../src/cli/worker-backup.ts";
import { restoreWorkerOrg } from "../../../src/cli/worker-restore.ts";
import { checkDatabase } from "../../../src/node/database-check.ts";
import { ADMIN_TOKEN, makeSnapshot } from "../../support/fixture.ts";
import { runCli } from "../../support/cli-process.ts";
import { mainEnv, startMain, type MainProcess } from "../../support/process.ts";
import { raw, startHarness, type Harness } from "../../support/server.ts";
import { startWorkerd, type WorkerdServer } from "./workerd.ts";

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const json = { ...auth, "content-type": "application/json" };

/** A feed as a client sees it: the bytes (no Accept-Encoding) and the validators. */
async function feedAt(base: string, path: string) {
  const reply = await raw("GET", `${base}${path}`);
  return {
    status: reply.status,
    body: reply.body.toString("utf8"),
    etag: reply.headers.etag,
    lastModified: reply.headers["last-modified"],
  };
}

const pathOf = (url: string) => new URL(url).pathname;

async function lookup(base: string, org: string, person: string): Promise<string> {
  const reply = await raw("GET", `${base}/admin/orgs/${org}/people/${person}`, { headers: auth });
  expect(reply.status, reply.text).toBe(200);
  return pathOf((reply.json as { feed: { url: string } }).feed.url);
}

describe("backup and restore of an organization on Workers, with the CLI over HTTP", () => {
  let from: WorkerdServer;
  let to: WorkerdServer;
  let node: Harness | undefined;
  let main: MainProcess | undefined;
  let dir: string;
  const cli = (url: string, ...args: string[]) =>
    runCli(["--url", url, ...args], { SHIFTFEED_ADMIN_TOKEN: ADMIN_TOKEN });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "shiftfeed-worker-backup-"));
    [from, to] = await Promise.all([startWorkerd(), startWorkerd()]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([from?.close(), to?.close(), node?.close(), main?.stop("SIGKILL")]);
    await rm(dir, { recursive: true, force: true });
  });

  it("a Worker's organization restores into an empty Worker: same bytes and validators, rotated link and revoked key dead", async () => {
    const put = await raw("PUT", `${from.url}/admin/orgs/acme/schedules/icu`, {
      headers: json,
      body: JSON.stringify(makeSnapshot()),
    });
    expect(put.status, put.text).toBe(200);
    const rotatedAway = await lookup(from.url, "acme", "pB");
    const rotated = await raw("POST", `${from.url}/admin/orgs/acme/people/pB/rotate`, { headers: auth });
    expect(rotated.status, rotated.text).toBe(200);
    const keys = [];
    for (const name of ["kept", "revoked"]) {
      const made = await raw("POST", `${from.url}/admin/partners`, {
        headers: json,
        body: JSON.stringify({ org: "acme", name }),
      });
      expect(made.status, made.text).toBe(201);
      keys.push(made.json as { id: string; key: string });
    }
    expect((await raw("DELETE", `${from.url}/admin/partners/${keys[1]!.id}`, { headers: auth })).status).toBe(
      200,
    );
    const paths = [await lookup(from.url, "acme", "pA"), await lookup(from.url, "acme", "pB")];
    const before = await Promise.all(paths.map((p) => feedAt(from.url, p)));
    expect(before.map((f) => f.status)).toEqual([200, 200]);
    expect((await feedAt(from.url, rotatedAway)).status).toBe(404);

    const file = join(dir, "acme.db");
    const backup = await cli(from.url, "backup", "--org", "acme", file);
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stdout).toMatch(
      /^backed up organization acme of http:\/\/127\.0\.0\.1:\d+ to .*acme\.db \([\d.]+ MiB, schema \d+, 1 schedules, 3 feeds, 2 partner keys\) in [\d.]+ s\n.*FEED_SECRET/,
    );
    // The file is a shiftfeed database Node's tools check and restore.
    const db = new DatabaseSync(file, { readOnly: true });
    expect(checkDatabase(db, file, true)).toMatchObject({ schedules: 1, feeds: 3, partnerKeys: 2 });
    db.close();
    const nodeDir = join(dir, "node-data");
    const intoNode = await runCli(["restore", file], { DATA_DIR: nodeDir });
    expect(intoNode.code, intoNode.stderr).toBe(0);
    // Node serves it: the same bytes and validators under the same links.
    main = startMain(mainEnv(nodeDir, { SERVE_THREADS: "0", RENDER_THREADS: "0" }));
    const [, nodeUrl] = await main.waitFor(/listening on (http:\/\/\S+)/, 30_000);
    const onNode = await Promise.all(paths.map((p) => feedAt(nodeUrl!, p)));
    expect(onNode).toEqual(before);
    expect((await feedAt(nodeUrl!, rotatedAway)).status).toBe(404);

    const restore = await cli(to.url, "restore", file);
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toMatch(
      /^restored organization acme from .* \(schema \d+, 1 schedules, 3 feeds, 1 dead links, 2 partner keys; \d+ chunks\)/,
    );
    expect(restore.stdout).toContain("FEED_SECRET");

    expect([await lookup(to.url, "acme", "pA"), await lookup(to.url, "acme", "pB")]).toEqual(paths);
    const after = await Promise.all(paths.map((p) => feedAt(to.url, p)));
    expect(after).toEqual(before);
    for (const [n, p] of paths.entries()) {
      const again = await raw("GET", `${to.url}${p}`, { headers: { "if-none-match": before[n]!.etag! } });
      expect(again.status).toBe(304);
    }
    expect((await feedAt(to.url, rotatedAway)).status).toBe(404);
    const range = (key: string) =>
      raw("GET", `${to.url}/partner/orgs/acme/schedules/icu.json?from=2026-11-01&to=2026-12-31`, {
        headers: { authorization: `Bearer ${key}` },
      });
    expect((await range(keys[0]!.key)).status).toBe(200);
    expect((await range(keys[1]!.key)).status).toBe(401);

    // The organization now holds the backup: a second restore is refused, naming why.
    const twice = await cli(to.url, "restore", file);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/HTTP 409: Organization acme is not empty \(it holds orgs, schedules/);
  }, 60_000);

  it("usage errors name the option that does not fit (exit 2), before any call", async () => {
    const file = join(dir, "never.db");
    const cases: [string[], RegExp][] = [
      [["backup", file], /--org is required with --url/],
      [["backup", "--org", "acme", "--with-secrets", file], /--with-secrets is for a data dir/],
      [["restore", "--org", "acme", "--data-dir", dir, file], /--data-dir and --url do not go together/],
    ];
    for (const [args, message] of cases) {
      const run = await cli(from.url, ...args);
      expect([run.code, run.stderr], args.join(" ")).toEqual([2, expect.stringMatching(message)]);
    }
    const local = await runCli(["backup", "--org", "acme", file]);
    expect([local.code, local.stderr]).toEqual([2, expect.stringMatching(/--org goes with --url/)]);
  }, 30_000);

  it("a backup that a rotation overtakes starts again, and holds the rotation", async () => {
    const api = adminApi({ url: from.url, token: ADMIN_TOKEN });
    let rotations = 0;
    // The Worker's real answers; once, between the first page and the next, the organization changes.
    const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const answer = await api.call<T>(method, path, body);
      if (path.includes("/backup/") && rotations === 0) {
        rotations++;
        expect(
          (await raw("POST", `${from.url}/admin/orgs/acme/people/pA/rotate`, { headers: auth })).status,
        ).toBe(200);
      }
      return answer;
    };
    const file = join(dir, "overtaken.db");
    const result = await backupWorkerOrg({ call, url: from.url, org: "acme", file });
    expect(result.attempts).toBe(2);
    const db = new DatabaseSync(file, { readOnly: true });
    const versions = db.prepare("SELECT feed, version FROM links ORDER BY feed").all();
    db.close();
    expect(versions).toEqual([
      { feed: "person/pA", version: 2 },
      { feed: "person/pB", version: 2 },
    ]);
  }, 30_000);

  it("a Node data dir's backup restores into a Worker, serving what Node served", async () => {
    node = await startHarness();
    const snapshot = makeSnapshot({ organization: { id: "beta", name: "Beta Clinic", tier: "standard" } });
    expect((await node.publish(snapshot)).status).toBe(200);
    const paths = [await node.feedPathOf("beta", "pA"), await node.feedPathOf("beta", "pB")];
    const served = await Promise.all(paths.map((p) => feedAt(node!.url, p)));
    const file = join(dir, "node.db");
    const backup = await runCli(["backup", file], { DATA_DIR: node.dataDir });
    expect(backup.code, backup.stderr).toBe(0);
    // A Node server has no backup route: the CLI says how Node is backed up.
    const overHttp = await cli(node.url, "backup", "--org", "beta", join(dir, "never.db"));
    expect([overHttp.code, overHttp.stderr]).toEqual([
      1,
      expect.stringMatching(
        /^shiftfeed: HTTP 404: No such resource — the server has no backup route for organization beta \(a Node server is backed up on its machine with `shiftfeed backup`, without --url\)\n$/,
      ),
    ]);

    // The restore in process, its calls to the Worker seen: it ends once the Worker says nothing is left to write.
    const api = adminApi({ url: to.url, token: ADMIN_TOKEN });
    const seen: string[] = [];
    const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const answer = await api.call<T>(method, path, body);
      const edge = (answer as { edge?: number }).edge;
      seen.push(
        `${method} ${path.replace(/restore\/[\w-]+/, "restore/{id}")}${edge === undefined ? "" : ` edge ${edge}`}`,
      );
      return answer;
    };
    const restored = await restoreWorkerOrg({ call, url: to.url, file, org: "beta" });
    expect(restored.restored).toMatchObject({ orgs: 1, schedules: 1, feeds: 3 });
    expect(seen[0]).toBe("POST /admin/orgs/beta/restore");
    expect(seen).toContain("POST /admin/orgs/beta/restore/{id}/commit edge 3");
    expect(seen.at(-1)).toBe("GET /admin/orgs/beta/backup edge 0");
    const after = await Promise.all(paths.map((p) => feedAt(to.url, p)));
    expect(after.map((f) => [f.status, f.body, f.etag])).toEqual(
      served.map((f) => [f.status, f.body, f.etag]),
    );
  }, 60_000);
});
