/**
 * Child processes for the bench, seen from outside: start with output to a log file, wait until an HTTP
 * endpoint answers, stop gracefully, pick a free loopback port, and read resident memory from /proc.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { openSync, readdirSync, readFileSync, closeSync } from "node:fs";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** A free TCP port on 127.0.0.1 (the kernel's choice; closed again before it is returned). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A started child process whose stdout and stderr go to `logFile`. */
export interface Child {
  process: ChildProcess;
  pid: number;
  logFile: string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  /** The last `lines` lines of the log. */
  logTail(lines?: number): string;
}

/** Starts `command args…` with its output appended to `logFile`. */
export function startChild(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; logFile: string },
): Child {
  const fd = openSync(options.logFile, "a");
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown"));
    child.once("error", (error) => resolve(String(error)));
  });
  return {
    process: child,
    pid: child.pid ?? -1,
    logFile: options.logFile,
    exited,
    logTail: (lines = 20) => {
      try {
        return readFileSync(options.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
      } catch {
        return "";
      }
    },
  };
}

/**
 * Polls `url` until it answers `200`; resolves with the seconds since `since` (a `performance.now()` value).
 * @throws when the child exits first or `timeoutSeconds` pass
 */
export async function waitUntilServing(
  url: string,
  child: Child,
  { since = performance.now(), timeoutSeconds = 600, intervalMs = 20, status = 200 } = {},
): Promise<number> {
  let exitedWith: number | string | null = null;
  void child.exited.then((code) => (exitedWith = code));
  for (;;) {
    if (exitedWith !== null) {
      throw new Error(`${child.logFile}: exited (${exitedWith}) before serving\n${child.logTail()}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      await res.arrayBuffer();
      if (res.status === status) return (performance.now() - since) / 1000;
    } catch {
      // not listening yet
    }
    if ((performance.now() - since) / 1000 > timeoutSeconds) {
      throw new Error(`${url} did not answer ${status} within ${timeoutSeconds} s\n${child.logTail()}`);
    }
    await sleep(intervalMs);
  }
}

/** Sends SIGTERM, then SIGKILL after `graceSeconds`; resolves once the process has exited. */
export async function stopChild(child: Child, graceSeconds = 10): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill("SIGTERM");
  const timer = setTimeout(() => child.process.kill("SIGKILL"), graceSeconds * 1000);
  await child.exited;
  clearTimeout(timer);
}

/** The pids of `pid` and all its descendants (from /proc/<pid>/stat parent ids). */
export function processTree(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Field 4 (ppid) follows the command name in parentheses, which may itself hold spaces or parentheses.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = parents.get(ppid) ?? [];
      list.push(Number(entry));
      parents.set(ppid, list);
    } catch {
      // exited while we looked
    }
  }
  const out: number[] = [];
  const visit = (p: number) => {
    out.push(p);
    for (const c of parents.get(p) ?? []) visit(c);
  };
  visit(pid);
  return out;
}

/** Resident memory (VmRSS) of a process and its descendants, in bytes; 0 for a process that is gone. */
export function treeRssBytes(pid: number): number {
  let total = 0;
  for (const p of processTree(pid)) {
    try {
      const kib = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${p}/status`, "utf8"))?.[1];
      total += Number(kib ?? 0) * 1024;
    } catch {
      // exited while we looked
    }
  }
  return total;
}

/** Samples `treeRssBytes(pid)` every `intervalMs` until stopped; keeps the peak and the last value. */
export function sampleRss(pid: number, intervalMs = 250): { stop(): { peak: number; last: number } } {
  let peak = 0;
  let last = 0;
  const take = () => {
    last = treeRssBytes(pid);
    peak = Math.max(peak, last);
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return { peak, last };
    },
  };
}
