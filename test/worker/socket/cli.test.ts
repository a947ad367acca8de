/**
 * The `shiftfeed` CLI run as a child process against the Worker in workerd over a real socket, with
 * `FAN_OUT_BATCH=1` so that a two-person snapshot is already "big": the Worker stages it and answers `202` with the
 * job that brings its feeds live. `publish` follows that job with its progress and prints what it did (never a
 * made-up "0 people affected"), and exits 1 when the job fails; folder publishes do the same per file; `link`,
 * `rotate` and `regenerate` read the Worker's answers as they read Node's.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, makeSnapshot } from "../../support/fixture.ts";
import { runCli } from "../../support/cli-process.ts";
import { raw } from "../../support/server.ts";
import { startWorkerd, type WorkerdServer } from "./workerd.ts";

/** The CLI against `url`, as a script runs it (no terminal), with exactly these settings. */
const cli = (url: string, args: string[]) =>
  runCli(args, { SHIFTFEED_URL: url, SHIFTFEED_ADMIN_TOKEN: ADMIN_TOKEN });

describe("the CLI against the Worker, where a publish of more people than one batch answers 202", () => {
  let server: WorkerdServer;
  let dir: string;
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const at = (path: string) => `${server.url}${path}`;
  const run = (...args: string[]) => cli(server.url, args);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "shiftfeed-cli-worker-"));
    server = await startWorkerd({}, { FAN_OUT_BATCH: "1" });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("publish <file> follows the job with progress, prints what it did, and the feeds are live", async () => {
    const file = join(dir, "icu.json");
    await writeFile(file, JSON.stringify(makeSnapshot()));
    const published = await run("publish", file, "--interval", "50");
    expect(published.code, published.stderr).toBe(0);
    expect(published.stdout).toMatch(
      /^acme\/icu revision 1: published; job acme~[\w-]+: succeeded, 3\/3 feeds, 3 changed\n$/,
    );
    expect(published.stdout).not.toContain("people affected");
    expect(published.stderr).toMatch(/100% \| 3\/3 feeds \| ETA \d+s \| succeeded/);
    const lookup = await raw("GET", at("/admin/orgs/acme/people/pA"), { headers: auth });
    const feed = await raw(
      "GET",
      (lookup.json as { feed: { url: string } }).feed.url.replace(/^https?:\/\/[^/]+/, server.url),
    );
    expect(feed.status).toBe(200);
    expect(feed.text).toContain("ICU Day");

    // Revision 2 moves one of Ada's shifts: her feed and the schedule feed change, Bo's does not.
    const moved = makeSnapshot().assignments.map((a) => (a.id === "a1" ? { ...a, date: "2026-11-27" } : a));
    await writeFile(file, JSON.stringify(makeSnapshot({ revision: 2, assignments: moved })));
    const json = await run("publish", file, "--json", "--interval", "50");
    expect(json.code, json.stderr).toBe(0);
    expect(json.stderr).toBe("");
    expect(JSON.parse(json.stdout)).toMatchObject({
      file,
      revision: 2,
      feedsUpdated: 2,
      job: { state: "succeeded", done: 3, total: 3, updated: 2, errors: [] },
    });
    expect(JSON.parse(json.stdout)).not.toHaveProperty("peopleAffected");
  }, 60_000);

  it("publish <dir> follows each file's job and counts the feeds the jobs updated", async () => {
    const folder = join(dir, "folder");
    await mkdir(folder);
    for (const id of ["er", "ward"]) {
      const snapshot = makeSnapshot({
        organization: { id: "beta", name: "Beta Clinic", tier: "standard" },
        schedule: { id, name: id, timezone: "UTC" },
      });
      await writeFile(join(folder, `${id}.json`), JSON.stringify(snapshot));
    }
    const published = await run("publish", folder, "--interval", "50");
    expect(published.code, published.stderr).toBe(0);
    // Two schedules of the same two people: 2 schedule feeds and 2 person feeds (the second schedule's job
    // changes them again).
    expect(published.stdout).toMatch(
      /^2 schedules, 0 people affected, \d+ feeds updated in [\d.]+ s \(2 published by a job, their people not counted\)\n$/,
    );
    const updated = Number(/(\d+) feeds updated/.exec(published.stdout)![1]);
    expect(updated).toBeGreaterThanOrEqual(4);
    const schedule = await raw("GET", at("/admin/orgs/beta/schedules/ward"), { headers: auth });
    expect(schedule.status).toBe(200);
  }, 60_000);

  it("link, rotate and regenerate read the Worker's answers", async () => {
    const link = await run("link", "acme", "pA", "--no-qr");
    expect(link.code, link.stderr).toBe(0);
    expect(link.stdout).toMatch(
      /^Dr\. Ada Able \(acme\/pA\)\n {2}feed: {7}https?:\/\/\S+\/feeds\/\S+\.ics$/m,
    );
    expect(link.stdout).toMatch(/^ {2}subscribe: {2}\S+\/subscribe\/\S+$/m);
    const before = (/feed: {7}(\S+)/.exec(link.stdout)![1] ?? "").replace(/^https?:\/\/[^/]+/, server.url);
    expect((await raw("GET", before)).status).toBe(200);

    const rotated = await run("rotate", "acme", "pA", "--yes");
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toContain("the old one no longer works");
    expect((await raw("GET", before)).status).toBe(404);

    const one = await run("regenerate", "--org", "acme", "--force", "--interval", "50");
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toMatch(/^job acme~[\w-]+: succeeded, (\d+)\/\1 feeds/);
    const every = await run("regenerate", "--json", "--interval", "50");
    expect(every.code, every.stderr).toBe(0);
    expect(JSON.parse(every.stdout)).toMatchObject({ state: "succeeded", errors: [] });
  }, 60_000);

  it("publish <file> and publish <dir> exit 1 with the job's errors when the job fails", async () => {
    // A long publish of another schedule runs first; while the CLI's jobs wait behind it, their schedules are
    // retired, so the jobs' steps find no live schedule and fail.
    const people = Array.from({ length: 100 }, (_, i) => ({ id: `q${i}`, name: `Q ${i}` }));
    const gamma = { organization: { id: "gamma", name: "Gamma", tier: "standard" as const } };
    const ahead = await raw("PUT", at("/admin/orgs/gamma/schedules/all"), {
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify(
        makeSnapshot({
          ...gamma,
          schedule: { id: "all", name: "All", timezone: "UTC" },
          people,
          assignments: [],
        }),
      ),
    });
    expect(ahead.status, ahead.text).toBe(202);
    const file = join(dir, "gamma-icu.json");
    await writeFile(file, JSON.stringify(makeSnapshot(gamma)));
    const folder = join(dir, "gamma");
    await mkdir(folder);
    const er = makeSnapshot({ ...gamma, schedule: { id: "er", name: "ER", timezone: "UTC" } });
    await writeFile(join(folder, "er.json"), JSON.stringify(er));
    let ended = false;
    const single = run("publish", file, "--interval", "50");
    const many = run("publish", folder, "--interval", "50");
    void Promise.all([single, many]).then(() => (ended = true));
    for (const schedule of ["icu", "er"]) {
      const path = at(`/admin/orgs/gamma/schedules/${schedule}`);
      while ((await raw("GET", path, { headers: auth })).status !== 200) {
        expect(ended, "the CLI ended before its publish was staged").toBe(false);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const retired = await raw("DELETE", path, { headers: auth });
      expect(retired.status, retired.text).toBe(200);
    }
    const one = await single;
    expect(one.code, one.stderr).toBe(1);
    expect(one.stdout).toMatch(
      /^gamma\/icu revision 1: staged, but not every feed was brought up to date; job gamma~[\w-]+: failed, /,
    );
    expect(one.stdout).toMatch(/^ {2}icu: no live schedule `icu` in `gamma`$/m);
    const folderRun = await many;
    expect(folderRun.code, folderRun.stderr).toBe(1);
    expect(folderRun.stderr).toMatch(
      /er\.json was staged, but job gamma~[\w-]+ failed: \d+\/3 feeds(; er: no live schedule `er` in `gamma`)+$/m,
    );
    expect(folderRun.stdout).toMatch(/^1 schedules, .*1 not published\)$/m);
  }, 60_000);
});
