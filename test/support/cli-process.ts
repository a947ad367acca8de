/**
 * The `shiftfeed` CLI run as a child process, as a script or a person at a shell runs it: exactly the given
 * environment (plus PATH and HOME), stdout and stderr kept as raw bytes, so a test can check what really reached
 * the terminal.
 */
import { spawn } from "node:child_process";
import { ROOT } from "./render-cases.ts";

/** What a CLI run printed and how it ended. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The bytes as written, before any decoding. */
  stdoutBytes: Buffer;
  stderrBytes: Buffer;
}

/** Runs `node src/cli/main.ts …args` in the project folder (`DATA_DIR` pointing nowhere unless `env` says). */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${ROOT}src/cli/main.ts`, ...args], {
      cwd: ROOT,
      env: {
        PATH: process.env["PATH"] ?? "",
        HOME: process.env["HOME"] ?? "/tmp",
        DATA_DIR: "/nonexistent",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code) => {
      const stdoutBytes = Buffer.concat(out);
      const stderrBytes = Buffer.concat(err);
      resolve({
        code,
        stdoutBytes,
        stderrBytes,
        stdout: stdoutBytes.toString("utf8"),
        stderr: stderrBytes.toString("utf8"),
      });
    });
  });
}
