/**
 * The service as an operator runs it: `node src/node/main.ts` in a child process with a given environment,
 * its stdout and stderr captured, for start-up, settings and data-dir tests.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { ROOT } from "./render-cases.ts";
import { ADMIN_TOKEN, FEED_SECRET } from "./fixture.ts";

/** A running or finished `main.ts` process. */
export interface MainProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal name) once the process has ended. */
  exited: Promise<number | string>;
  /** Resolves once stdout matches `pattern`; rejects if the process ends first or after `ms`. */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
  /** Sends a signal and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Starts `main.ts` with exactly `env` (plus PATH and HOME), so no setting leaks in from the test run. */
export function startMain(env: Record<string, string>): MainProcess {
  const child = spawn(process.execPath, [`${ROOT}src/node/main.ts`], {
    cwd: ROOT,
    env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (b: Buffer) => (out += b.toString("utf8")));
  child.stderr!.on("data", (b: Buffer) => (err += b.toString("utf8")));
  const exited = new Promise<number | string>((resolve) =>
    child.on("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern, ms = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ${pattern} within ${ms} ms:\n${out}\n${err}`)),
          ms,
        );
        const check = () => {
          const match = out.match(pattern);
          if (match) {
            clearTimeout(timer);
            child.stdout!.off("data", check);
            resolve(match);
          }
        };
        child.stdout!.on("data", check);
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`exited before ${pattern}:\n${out}\n${err}`));
        });
        check();
      });
    },
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs `main.ts` to its end (it is expected to refuse to start) and returns exit code and output. */
export async function runMainToExit(
  env: Record<string, string>,
  ms = 20_000,
): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const main = startMain(env);
  const timer = setTimeout(() => main.child.kill("SIGKILL"), ms);
  const code = await main.exited;
  clearTimeout(timer);
  return { code, stdout: main.stdout(), stderr: main.stderr() };
}

/**
 * The environment of a quiet `main.ts` on `dataDir`: loopback, any free port, the test secrets, no demo, one
 * serving and one render thread; `extra` adds or overrides.
 */
export function mainEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    PORT: "0",
    HOST: "127.0.0.1",
    ADMIN_TOKEN,
    FEED_SECRET,
    DEMO: "0",
    SERVE_THREADS: "1",
    RENDER_THREADS: "1",
    ...extra,
  };
}
