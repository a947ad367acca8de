/**
 * A feed secret that does not match the data (started as an operator does, `node src/node/main.ts`): every link
 * is derived from `FEED_SECRET` and only token hashes are stored, so another secret would serve nothing while
 * handing out links that open nothing. Such a start is refused with one line naming `FEED_SECRET`; a data dir
 * copied without its secret is refused before a new secret is generated; a database from
 * before the fingerprint is checked against its links; `ROTATE_FEED_SECRET=1` adopts a new secret explicitly,
 * giving every feed a new link.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runMainToExit, startMain, type MainProcess } from "../support/process.ts";
import { ADMIN_TOKEN, FEED_SECRET, makeSnapshot, raw } from "../support/server.ts";

const OTHER_SECRET = "another-feed-secret-0123456789abcdef-0123456789";
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** Asserts one line on stderr matching `what`, with no stack frame, and that no secret is echoed. */
function expectOneLine(stderr: string, what: RegExp): void {
  const lines = stderr.trimEnd().split("\n");
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^shiftfeed: /);
  expect(lines[0]).toMatch(what);
  expect(stderr).not.toMatch(/\n\s+at /);
  expect(stderr).not.toContain(FEED_SECRET);
  expect(stderr).not.toContain(OTHER_SECRET);
}

const env = (dataDir: string, extra: Record<string, string> = {}) => ({
  DATA_DIR: dataDir,
  PORT: "0",
  HOST: "127.0.0.1",
  ADMIN_TOKEN,
  DEMO: "0",
  SERVE_THREADS: "1",
  RENDER_THREADS: "1",
  ...extra,
});

/** Every process started, so that a failed test leaves none running. */
const started: MainProcess[] = [];

/** Starts main.ts and waits until it listens. */
async function start(vars: Record<string, string>): Promise<{ main: MainProcess; url: string }> {
  const main = startMain(vars);
  started.push(main);
  const url = (await main.waitFor(/listening on (http:\/\/\S+)/))[1]!;
  return { main, url };
}

/** The person's current feed path, from the admin lookup. */
async function linkOf(url: string, org: string, person: string): Promise<string> {
  const reply = await raw("GET", `${url}/admin/orgs/${org}/people/${person}`, { headers: auth });
  expect(reply.status).toBe(200);
  return new URL((reply.json as { feed: { url: string } }).feed.url).pathname;
}

async function publish(url: string): Promise<void> {
  const reply = await raw("PUT", `${url}/admin/orgs/acme/schedules/icu`, {
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify(makeSnapshot()),
  });
  expect(reply.status).toBe(200);
}

describe("a feed secret that does not match the data", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "shiftfeed-secret-"));
  });
  afterAll(async () => {
    for (const main of started) await main.stop("SIGKILL");
    await rm(root, { recursive: true, force: true });
  });

  it("is refused at start with one line naming FEED_SECRET; the right secret serves every link again", async () => {
    const dataDir = join(root, "changed");
    let { main, url } = await start(env(dataDir, { FEED_SECRET }));
    await publish(url);
    const link = await linkOf(url, "acme", "pA");
    expect(await main.stop(), main.stderr()).toBe(0);

    const refused = await runMainToExit(env(dataDir, { FEED_SECRET: OTHER_SECRET }));
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe("");
    expectOneLine(
      refused.stderr,
      /FEED_SECRET \(from the environment\) is not the secret the links in DATA_DIR ".*changed" were made with; start with that secret, or set ROTATE_FEED_SECRET=1 once to adopt this one \(every link changes\)$/,
    );

    ({ main, url } = await start(env(dataDir, { FEED_SECRET })));
    expect((await raw("GET", url + link)).status).toBe(200);
    expect(await linkOf(url, "acme", "pA")).toBe(link);
    expect(await main.stop(), main.stderr()).toBe(0);
  });

  it("a generated secret moved to the environment: the same secret starts, another is refused", async () => {
    const dataDir = join(root, "generated");
    let { main, url } = await start(env(dataDir));
    await publish(url);
    const link = await linkOf(url, "acme", "pB");
    expect(await main.stop(), main.stderr()).toBe(0);
    const kept = (await readFile(join(dataDir, "secrets", "feed-secret"), "utf8")).trim();

    const refused = await runMainToExit(env(dataDir, { FEED_SECRET }));
    expect(refused.code).toBe(1);
    expectOneLine(refused.stderr, /^shiftfeed: FEED_SECRET \(from the environment\) is not the secret/);

    // The file's secret replaced by another: refused, naming the file.
    await writeFile(join(dataDir, "secrets", "feed-secret"), OTHER_SECRET + "\n");
    const fromFile = await runMainToExit(env(dataDir));
    expect(fromFile.code).toBe(1);
    expectOneLine(
      fromFile.stderr,
      /FEED_SECRET \(from ".*generated\/secrets\/feed-secret"\) is not the secret/,
    );

    ({ main, url } = await start(env(dataDir, { FEED_SECRET: kept })));
    expect((await raw("GET", url + link)).status).toBe(200);
    expect(await main.stop(), main.stderr()).toBe(0);
  });

  it("a database from before the fingerprint: checked against its links, then recorded", async () => {
    const dataDir = join(root, "older");
    let { main, url } = await start(env(dataDir, { FEED_SECRET }));
    await publish(url);
    const link = await linkOf(url, "acme", "pA");
    expect(await main.stop(), main.stderr()).toBe(0);
    const forget = () => {
      const db = new DatabaseSync(join(dataDir, "shiftfeed.db"));
      db.exec("DELETE FROM meta WHERE key = 'feed_secret_fingerprint'");
      db.close();
    };

    forget();
    const refused = await runMainToExit(env(dataDir, { FEED_SECRET: OTHER_SECRET }));
    expect(refused.code).toBe(1);
    expectOneLine(refused.stderr, /FEED_SECRET \(from the environment\) is not the secret/);

    forget();
    ({ main, url } = await start(env(dataDir, { FEED_SECRET })));
    expect(main.stdout()).toMatch(/"event":"feed_secret_fingerprint_recorded"/);
    expect((await raw("GET", url + link)).status).toBe(200);
    expect(await main.stop(), main.stderr()).toBe(0);
    const db = new DatabaseSync(join(dataDir, "shiftfeed.db"), { readOnly: true });
    const row = db.prepare("SELECT value FROM meta WHERE key = 'feed_secret_fingerprint'").get();
    db.close();
    expect(row?.["value"]).toMatch(/^[0-9a-f]{32}$/);
  });

  it("a data dir holding feeds but no secret is refused before a secret is generated", async () => {
    // Published under a secret from the environment, so none is kept in the data dir: a copy without the
    // environment has feeds whose links no secret at hand can make.
    const dataDir = join(root, "secretless");
    let { main, url } = await start(env(dataDir, { FEED_SECRET }));
    await publish(url);
    const link = await linkOf(url, "acme", "pA");
    expect(await main.stop(), main.stderr()).toBe(0);

    const refused = await runMainToExit(env(dataDir));
    expect(refused.code).toBe(1);
    expectOneLine(
      refused.stderr,
      /DATA_DIR ".*secretless" holds \d+ feeds but no feed secret: set FEED_SECRET to the secret their links were made with, or put it in ".*secretless\/secrets\/feed-secret"$/,
    );
    await expect(readFile(join(dataDir, "secrets", "feed-secret"))).rejects.toThrow(/ENOENT/);

    const wrong = await runMainToExit(env(dataDir, { FEED_SECRET: OTHER_SECRET }));
    expect(wrong.code).toBe(1);
    expectOneLine(wrong.stderr, /FEED_SECRET \(from the environment\) is not the secret/);

    ({ main, url } = await start(env(dataDir, { FEED_SECRET })));
    expect((await raw("GET", url + link)).status).toBe(200);
    expect(await main.stop(), main.stderr()).toBe(0);
  });

  it("ROTATE_FEED_SECRET=1 adopts a new secret: every link changes, old links open nothing", async () => {
    const dataDir = join(root, "rotated");
    let { main, url } = await start(env(dataDir, { FEED_SECRET }));
    await publish(url);
    const old = { pA: await linkOf(url, "acme", "pA") };
    expect(await main.stop(), main.stderr()).toBe(0);

    // A tight miss budget, to show what old links polled on by calendars that held them can and cannot spend.
    const tight = { LIMIT_MISS_BURST: "3", LIMIT_MISS_PER_HOUR: "1" };
    ({ main, url } = await start(
      env(dataDir, { FEED_SECRET: OTHER_SECRET, ROTATE_FEED_SECRET: "1", ...tight }),
    ));
    expect(main.stdout()).toMatch(/"event":"feed_secret_rotated".*every link was derived again/);
    expect(main.stdout()).not.toContain(OTHER_SECRET);
    const fresh = await linkOf(url, "acme", "pA");
    expect(fresh).not.toBe(old.pA);
    expect((await raw("GET", url + fresh)).status).toBe(200);
    // An old link fails the new secret's keyed checksum, so it counts as a miss like any never-issued token: once
    // the address's miss budget is spent it is refused, but the miss budget never refuses a live link.
    const polls: number[] = [];
    for (let i = 0; i < 10; i++) polls.push((await raw("GET", url + old.pA)).status);
    expect(polls.slice(0, 3)).toEqual([404, 404, 404]);
    expect(polls.slice(3).every((status) => status === 429)).toBe(true);
    expect((await raw("GET", url + fresh)).status).toBe(200);
    expect(await main.stop(), main.stderr()).toBe(0);

    // From then on the new secret is the one: it starts without the setting, the old one is refused.
    ({ main, url } = await start(env(dataDir, { FEED_SECRET: OTHER_SECRET })));
    expect((await raw("GET", url + fresh)).status).toBe(200);
    expect(await main.stop(), main.stderr()).toBe(0);
    const refused = await runMainToExit(env(dataDir, { FEED_SECRET }));
    expect(refused.code).toBe(1);
    expectOneLine(refused.stderr, /is not the secret/);
  });
});
