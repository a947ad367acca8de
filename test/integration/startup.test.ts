/**
 * Starting the service as an operator does (`node src/node/main.ts` in a child process): a data dir in use, a port
 * in use and every bad setting are refused with one clear line naming the setting and no stack trace, touching
 * nothing; feed links reach the console only once, when the demo is loaded.
 */
import { createServer, type Server } from "node:net";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runMainToExit, startMain } from "../support/process.ts";
import {
  ADMIN_TOKEN,
  FEED_SECRET,
  listFiles,
  makeSnapshot,
  startHarness,
  type Harness,
} from "../support/server.ts";

const TOKEN_URL = /https?:\/\/[^\s]+\/feeds\/[A-Za-z0-9_-]{24}\.ics/g;

/** Asserts one line on stderr, naming `what`, with no stack frame. */
function expectOneLine(stderr: string, what: RegExp): void {
  const lines = stderr.trimEnd().split("\n");
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^shiftfeed: /);
  expect(lines[0]).toMatch(what);
  expect(stderr).not.toMatch(/\n\s+at /);
}

/** A free port on 127.0.0.1, held by a plain TCP server until `close()`. */
async function occupyPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as { port: number }).port, server };
}

describe("a second process on a data dir in use (issue: two npm starts on one DATA_DIR)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    expect((await h.publish(makeSnapshot())).status).toBe(200);
  });
  afterAll(() => h.close());

  it.each([
    ["on another port", (_h: Harness) => "0"],
    ["on the same port", (harness: Harness) => String(harness.running.port)],
  ])("%s: refused with one line naming the data dir, touching nothing", async (_name, port) => {
    // The first process writes fetch telemetry in batches: gather and write what earlier requests noted (a person
    // lookup writes pending notes first), so nothing of its own is due while the second process runs.
    await h.settle();
    expect((await h.admin("GET", "/admin/orgs/acme/people/pA")).status).toBe(200);
    const before = await listFiles(h.dataDir);
    const { code, stderr, stdout } = await runMainToExit({
      DATA_DIR: h.dataDir,
      PORT: port(h),
      HOST: "127.0.0.1",
      ADMIN_TOKEN,
      FEED_SECRET,
    });
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expectOneLine(stderr, /DATA_DIR ".*" is in use by another shiftfeed process \(pid \d+/);
    expect(await listFiles(h.dataDir)).toEqual(before);
    // The first process keeps serving every feed.
    for (const person of ["pA", "pB"])
      expect((await h.feed(await h.feedPathOf("acme", person))).status).toBe(200);
  });
});

describe("bad settings and unusable addresses: one clear line, no stack trace", () => {
  let dir: string;
  let file: string;
  let held: { port: number; server: Server };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "shiftfeed-start-"));
    file = join(dir, "a-file");
    await writeFile(file, "not a folder\n");
    held = await occupyPort();
  });
  afterAll(async () => {
    held.server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const base = () => ({ DATA_DIR: join(dir, "data"), PORT: "0", HOST: "127.0.0.1", DEMO: "0" });

  it.each([
    ["FEED_SECRET too short", { FEED_SECRET: "short" }, 2, /`FEED_SECRET` must be at least 32 bytes, got 5/],
    [
      "ADMIN_TOKEN of one character",
      { ADMIN_TOKEN: "a" },
      2,
      /`ADMIN_TOKEN` must be at least 24 characters, got 1/,
    ],
    [
      "ADMIN_TOKEN a bearer token cannot carry",
      { ADMIN_TOKEN: "correct horse battery staple!!" },
      2,
      /`ADMIN_TOKEN` may only use A-Z a-z 0-9/,
    ],
    [
      "HOST not an address",
      { HOST: "999.1.1.1" },
      2,
      /`HOST` must be an IP address or host name.*999\.1\.1\.1/,
    ],
    ["PORT out of range", { PORT: "70000" }, 2, /`PORT` must be a whole number from 0 to 65535/],
    [
      "HOST not of this machine",
      { HOST: "192.0.2.1" },
      1,
      /HOST 192\.0\.2\.1 is not an address of this machine/,
    ],
  ])("%s", async (_name, env, exit, message) => {
    const { code, stderr } = await runMainToExit({ ...base(), ...env });
    expect(code).toBe(exit);
    expectOneLine(stderr, message);
    expect(stderr).not.toContain("short"); // never echoes a secret's value
  });

  it("DATA_DIR that is a file", async () => {
    const { code, stderr } = await runMainToExit({ ...base(), DATA_DIR: file });
    expect(code).toBe(1);
    expectOneLine(stderr, /DATA_DIR ".*a-file" is not a folder/);
  });

  it("DATA_DIR below a file", async () => {
    const { code, stderr } = await runMainToExit({ ...base(), DATA_DIR: join(file, "data") });
    expect(code).toBe(1);
    expectOneLine(
      stderr,
      /DATA_DIR ".*a-file\/data" cannot be created: ".*a-file" is a file, not a folder; set DATA_DIR to a folder$/,
    );
  });

  it("a shiftfeed.db that is not a database names DATA_DIR, the file and what to do, touching nothing", async () => {
    const data = join(dir, "garbage");
    await mkdir(data, { mode: 0o700 });
    await writeFile(join(data, "shiftfeed.db"), "garbage\n", { mode: 0o600 });
    const { code, stderr } = await runMainToExit({ ...base(), DATA_DIR: data });
    expect(code).toBe(1);
    expectOneLine(
      stderr,
      new RegExp(
        `^shiftfeed: DATA_DIR ${JSON.stringify(data)}: shiftfeed\\.db is not a SQLite database \\(damaged or ` +
          "another program's file\\): restore a backup into a new DATA_DIR \\(docs/operations\\.md › Backup and restore\\)$",
      ),
    );
    expect(await readFile(join(data, "shiftfeed.db"), "utf8")).toBe("garbage\n");
  });

  it("a port in use", async () => {
    const { code, stderr } = await runMainToExit({ ...base(), PORT: String(held.port) });
    expect(code).toBe(1);
    expectOneLine(stderr, new RegExp(`PORT ${held.port} is already in use on 127\\.0\\.0\\.1`));
  });
});

describe("feed links on the console (issue: every start printed up to six feed URLs)", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "shiftfeed-demo-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("are printed once, when the demo is loaded, and never by a later start", async () => {
    const env = { DATA_DIR: dir, PORT: "0", HOST: "127.0.0.1", ADMIN_TOKEN, FEED_SECRET };
    const first = startMain(env);
    await first.waitFor(/Look up any person's link/);
    expect(await first.stop()).toBe(0);
    const printed = first.stdout().match(TOKEN_URL) ?? [];
    expect(printed.length).toBeGreaterThan(0);
    expect(first.stdout()).toMatch(/Loaded 4 demo schedules/);

    const second = startMain(env);
    await second.waitFor(/Look up any person's link/);
    expect(await second.stop()).toBe(0);
    expect(second.stdout()).not.toMatch(TOKEN_URL);
    for (const url of printed) expect(second.stdout() + second.stderr()).not.toContain(url.slice(-28));
  });
});
