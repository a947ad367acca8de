/**
 * The machine's own Node and npm, as a user has them before installing shiftfeed: the test run's PATH without any
 * `node_modules/.bin` (where the Node 24 the checkout installed comes first). Here that Node is older than the one
 * shiftfeed needs, which is what the package tests want: npm and Node 24 must come from the install itself.
 */
import { execFileSync } from "node:child_process";

/** PATH without any project's `node_modules/.bin`. */
export const SYSTEM_PATH = (process.env["PATH"] ?? "")
  .split(":")
  .filter((dir) => dir !== "" && !dir.includes("node_modules"))
  .join(":");

/** The environment for a command run as a user runs it: the system PATH, HOME, and `extra`. */
export function systemEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: SYSTEM_PATH, HOME: process.env["HOME"] ?? "/tmp", ...extra };
}

/** The system Node's path and version (`v20.…`). */
export function systemNode(): { path: string; version: string } {
  const path = execFileSync("sh", ["-c", "command -v node"], { env: systemEnv(), encoding: "utf8" }).trim();
  const version = execFileSync(path, ["--version"], { encoding: "utf8" }).trim();
  return { path, version };
}
