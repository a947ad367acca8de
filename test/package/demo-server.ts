/**
 * The package tests' server: a command that starts shiftfeed on an empty data dir (`npm start` in a checkout,
 * `npx shiftfeed-server` in an installed package), run in its own process group so that stopping it stops npm, the
 * shell and Node together, and asked over a real socket whether it serves the demo.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { get } from "../support/clients.ts";

/** A started server command. */
export interface DemoServer {
  /** The listening URL and the first sample feed link the start printed (its path, to ask the listening URL). */
  ready: Promise<{ url: string; feedPath: string }>;
  output(): string;
  /** SIGTERM to the whole process group, SIGKILL after 10 s; resolves once the command has ended. */
  stop(): Promise<void>;
}

/** Starts `command args` in `cwd` with exactly `env`, and waits (up to `ms`) for the demo's sample feed links. */
export function startDemoServer(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
  ms = 60_000,
): DemoServer {
  const child: ChildProcess = spawn(command, args, {
    cwd,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (b: Buffer) => (out += b.toString("utf8")));
  child.stderr!.on("data", (b: Buffer) => (out += b.toString("utf8")));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const ready = new Promise<{ url: string; feedPath: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no sample feed within ${ms} ms:\n${out}`)), ms);
    const check = () => {
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      const feed = /^ {2}\S+: (https?:\/\/\S+)$/m.exec(out)?.[1];
      if (url === undefined || feed === undefined) return;
      clearTimeout(timer);
      resolve({ url, feedPath: new URL(feed).pathname });
    };
    child.stdout!.on("data", check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`exited before serving:\n${out}`));
    });
  });
  return {
    ready,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(-child.pid!, "SIGTERM");
      const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Asks the server at `url` for `/healthz` and for the demo feed at `feedPath`. */
export async function askDemo(
  url: string,
  feedPath: string,
): Promise<{ health: number; feedStatus: number; feedType: string; feed: string }> {
  const health = await get(`${url}/healthz`);
  const feed = await get(`${url}${feedPath}`);
  return {
    health: health.status,
    feedStatus: feed.status,
    feedType: String(feed.headers["content-type"]),
    feed: feed.body.toString("utf8"),
  };
}
