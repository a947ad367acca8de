/**
 * Real storage faults on the real server and its real database file (docs/test-checklist.md §D 27, 28, 30): the server
 * runs as `npm start` runs it (`node src/node/main.ts`, serving and render threads), with `faultfs` preloaded so
 * that chosen writes or fsyncs of `shiftfeed.db` and its WAL fail with a real errno:
 *
 * - `ENOSPC` (disk full) and `EIO` at write k of the N a publish makes, and `EIO` at fsync k (an unclear commit);
 * - `EROFS` on every write (the file system remounted read-only under a running server).
 *
 * After each: the publish answered `503` with `Retry-After` and a message saying what went wrong (and the log line
 * says it too); every feed is wholly the old or wholly the new revision, its `ETag` the digest of the bytes served
 * and a `304` for exactly that tag; the retry lands; after `SIGKILL`, the database passes `integrity_check`, the
 * restart is clean and a regeneration finds nothing to repair. `SHIFTFEED_LONG_TESTS=1` fails every k; by
 * default every third.
 */
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FaultControl, faultfsLibrary, type FaultSpec } from "../support/faultfs.ts";
import { startMain, type MainProcess } from "../support/process.ts";
import { ADMIN_TOKEN, FEED_SECRET, makeSnapshot, raw, type Reply } from "../support/server.ts";
import { LONG_TESTS } from "../support/long-tests.ts";

const STEP = LONG_TESTS ? 1 : 3;
const library = faultfsLibrary();
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const PEOPLE = ["pA", "pB", "pC", "pD"];

/** Revision `n`: every assignment carries the note `rev n`, so a feed shows which revision it is. */
function revision(n: number) {
  const people = PEOPLE.map((id) => ({ id, name: `Dr. ${id}` }));
  const assignments = PEOPLE.flatMap((personId, i) => [
    { id: `a${i}`, personId, shiftId: "day", date: "2026-11-25", note: `rev ${n}` },
    { id: `b${i}`, personId, shiftId: "night", date: `2026-12-0${i + 1}`, note: `rev ${n}` },
  ]);
  return makeSnapshot({ revision: n, people, assignments });
}

const etagOf = (bytes: Buffer) =>
  `W/"${createHash("sha256").update(bytes).digest().subarray(0, 16).toString("base64url")}"`;

describe.skipIf(library === null)("real file-system faults under a running server", () => {
  let dir: string;
  let faults: FaultControl;
  let main: MainProcess;
  let url: string;
  /** The revision every feed shows now. */
  let live = 1;

  const start = async () => {
    main = startMain({
      DATA_DIR: join(dir, "data"),
      PORT: "0",
      HOST: "127.0.0.1",
      ADMIN_TOKEN,
      FEED_SECRET,
      DEMO: "0",
      SERVE_THREADS: "2",
      RENDER_THREADS: "1",
      // This test reads every feed many times from one address: per-client limits are not what it is about.
      CLIENT_LIMITS: "off",
      ...faults.env(library!),
    });
    url = (await main.waitFor(/listening on (http:\/\/\S+)/))[1]!;
  };
  const admin = (method: string, path: string, body?: unknown): Promise<Reply> =>
    raw(method, url + path, {
      headers: { ...auth, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const publish = (n: number) => admin("PUT", "/admin/orgs/acme/schedules/icu", revision(n));
  const links = async () => {
    const out: string[] = [];
    for (const p of PEOPLE)
      out.push(
        ((await admin("GET", `/admin/orgs/acme/people/${p}`)).json as { feed: { url: string } }).feed.url,
      );
    out.push(
      ((await admin("GET", "/admin/orgs/acme/schedules/icu")).json as { feed: { url: string } }).feed.url,
    );
    return out.map((u) => new URL(u).pathname);
  };

  /** Every feed wholly at revision `old` or `next` (all the same one), validators matching the bytes served. */
  const expectWhole = async (old: number, next: number): Promise<number> => {
    const { revision: at } = (await admin("GET", "/admin/orgs/acme/schedules/icu")).json as {
      revision: number;
    };
    expect([old, next]).toContain(at);
    for (const path of await links()) {
      const feed = await raw("GET", url + path);
      expect(feed.status).toBe(200);
      expect(feed.headers.etag).toBe(etagOf(feed.body));
      const shown = [...new Set([...feed.text.matchAll(/rev (\d+)/g)].map((m) => Number(m[1])))];
      expect(shown, path).toEqual([at]);
      const again = await raw("GET", url + path, { headers: { "if-none-match": feed.headers.etag! } });
      expect(again.status).toBe(304);
    }
    return at;
  };

  /** One fault during the publish of the next revision, then the checks and the retry. */
  const round = async (spec: FaultSpec, what: RegExp) => {
    const next = live + 1;
    faults.arm(spec);
    const failed = await publish(next);
    const fired = faults.stats().failed;
    faults.off();
    if (fired === 0) {
      // The publish made fewer calls this time (SQLite's page cache is warmer): nothing failed.
      expect(failed.status, failed.text).toBe(200);
    } else {
      expect(failed.status, `${JSON.stringify(spec)}: ${failed.text}`).toBe(503);
      expect(Number(failed.headers["retry-after"])).toBeGreaterThan(0);
      const error = (failed.json as { error: { code: string; message: string } }).error;
      expect(error.code).toBe("unavailable");
      expect(error.message).toMatch(what);
      expect(error.message).toMatch(/not saved|may or may not/);
      await main.waitFor(/"status":503[^\n]*(Storage|storage)/, 5_000);
    }
    await expectWhole(live, next);
    const retried = await publish(next);
    expect(retried.status, retried.text).toBe(200);
    live = next;
    expect(await expectWhole(live, live)).toBe(live);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "shiftfeed-faultfs-"));
    faults = new FaultControl(dir);
    await start();
    expect((await publish(1)).status).toBe(200);
  });
  afterAll(async () => {
    await main?.stop("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  });

  /** How many calls of `op` a publish makes (N). */
  const callsOfPublish = async (op: "write" | "sync") => {
    faults.count(op, "shiftfeed.db");
    expect((await publish(++live)).status).toBe(200);
    const { writes, syncs } = faults.stats();
    faults.off();
    return op === "write" ? writes : syncs;
  };

  it("ENOSPC at write k of N: 503 saying the disk is full, feeds whole, the retry lands", async () => {
    const n = await callsOfPublish("write");
    expect(n).toBeGreaterThan(3);
    for (let k = 1; k <= n; k += STEP) {
      await round(
        { errno: "ENOSPC", op: "write", match: "shiftfeed.db", skip: k - 1, count: 1 },
        /full|I\/O/,
      );
    }
  }, 120_000);

  it("EIO at write k of N: 503 naming the I/O error, feeds whole, the retry lands", async () => {
    const n = await callsOfPublish("write");
    for (let k = 2; k <= n; k += STEP) {
      await round({ errno: "EIO", op: "write", match: "shiftfeed.db", skip: k - 1, count: 1 }, /I\/O error/);
    }
  }, 120_000);

  it("EIO at fsync k of N (an unclear commit): 503 saying it may or may not have landed; whole either way", async () => {
    const n = await callsOfPublish("sync");
    expect(n).toBeGreaterThan(0);
    for (let k = 1; k <= n; k++) {
      await round({ errno: "EIO", op: "sync", match: "shiftfeed.db", skip: k - 1, count: 1 }, /I\/O error/);
    }
  }, 120_000);

  it("a file system remounted read-only: writes refused with 503 naming it, every feed keeps serving", async () => {
    const paths = await links();
    const before = await Promise.all(paths.map((p) => raw("GET", url + p)));
    faults.arm({ errno: "EROFS", op: "any", match: "shiftfeed.db", skip: 0, count: -1 });
    const refused = await publish(live + 1);
    expect(refused.status).toBe(503);
    expect((refused.json as { error: { message: string } }).error.message).toMatch(/read-only|I\/O/);
    const rotate = await admin("POST", "/admin/orgs/acme/people/pA/rotate");
    expect(rotate.status).toBe(503);
    for (const [i, p] of paths.entries()) {
      const again = await raw("GET", url + p);
      expect(again.status).toBe(200);
      expect(again.body.equals(before[i]!.body)).toBe(true);
      expect((await raw("GET", url + p, { headers: { "if-none-match": again.headers.etag! } })).status).toBe(
        304,
      );
    }
    expect((await raw("GET", `${url}/healthz`)).status).toBe(200);
    faults.off();
    const retried = await publish(live + 1);
    expect(retried.status, retried.text).toBe(200);
    live++;
    await expectWhole(live, live);
  }, 60_000);

  it("after all of it and a SIGKILL: integrity_check ok, a clean start, nothing for a regeneration to repair", async () => {
    expect(await main.stop("SIGKILL")).toBe("SIGKILL");
    const db = new DatabaseSync(join(dir, "data", "shiftfeed.db"));
    expect(db.prepare("PRAGMA integrity_check").all()).toEqual([{ integrity_check: "ok" }]);
    db.close();
    await start();
    expect(main.stderr()).toBe("");
    expect(main.stdout()).not.toMatch(/"level":"error"/);
    await expectWhole(live, live);
    const queued = await admin("POST", "/admin/regenerate", {});
    const id = (queued.json as { job: { id: string } }).job.id;
    let job = { state: "queued", updated: -1, errors: [] as unknown[] };
    while (job.state === "queued" || job.state === "running") {
      await new Promise((r) => setTimeout(r, 50));
      job = (await admin("GET", `/admin/jobs/${id}`)).json as typeof job;
    }
    expect(job).toMatchObject({ state: "succeeded", updated: 0, errors: [] });
  }, 60_000);
});
