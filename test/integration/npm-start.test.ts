/**
 * `npm start` as a container or a supervisor runs it: SIGTERM to the npm process stops shiftfeed itself (the start
 * script `exec`s node, so no shell stays between npm and shiftfeed to swallow the signal), the port is free at
 * once and a second `npm start` on the same data dir starts.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../support/render-cases.ts";

interface NpmStart {
  child: ReturnType<typeof spawn>;
  exited: Promise<number | string>;
  url: Promise<string>;
  output: () => string;
}

const started: NpmStart[] = [];
let dir = "";
afterAll(async () => {
  for (const s of started)
    if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill("SIGKILL");
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** `npm start` with Node 24 first on PATH, its own data dir and any free port. */
function npmStart(dataDir: string): NpmStart {
  const child = spawn("npm", ["start"], {
    cwd: ROOT,
    env: {
      PATH: `${join(ROOT, "node_modules", ".bin")}:${process.env["PATH"] ?? ""}`,
      HOME: process.env["HOME"] ?? "/tmp",
      DATA_DIR: dataDir,
      PORT: "0",
      HOST: "127.0.0.1",
      DEMO: "0",
      SERVE_THREADS: "1",
      RENDER_THREADS: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (b: Buffer) => (out += b.toString("utf8")));
  child.stderr!.on("data", (b: Buffer) => (out += b.toString("utf8")));
  const exited = new Promise<number | string>((resolve) =>
    child.on("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );
  const url = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not listening within 60 s:\n${out}`)), 60_000);
    const check = () => {
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on("data", check);
    child.stderr!.on("data", check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`npm start ended before listening:\n${out}`));
    });
  });
  const s = { child, exited, url, output: () => out };
  started.push(s);
  return s;
}

/** Whether something accepts connections on `port`. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

describe("npm start and SIGTERM", () => {
  it("SIGTERM to the npm process stops shiftfeed: the port is free and a second npm start on the data dir starts", async () => {
    dir = await mkdtemp(join(tmpdir(), "shiftfeed-npm-start-"));
    const first = npmStart(dir);
    const port = Number(new URL(await first.url).port);
    expect(await accepts(port)).toBe(true);
    first.child.kill("SIGTERM");
    await first.exited;
    // shiftfeed itself is gone within a few seconds: nothing listens on its port any more.
    const deadline = Date.now() + 15_000;
    while ((await accepts(port)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await accepts(port), first.output()).toBe(false);

    const second = npmStart(dir);
    const url = await second.url;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    second.child.kill("SIGTERM");
    await second.exited;
  }, 120_000);
});
