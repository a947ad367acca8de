/**
 * CPU time and memory of the workerd processes this process started (read from /proc): the runtime does not let
 * code inside it read a clock that moves during computation, so the Workers figures (`bench/workers.ts`, the
 * 5,000-person publish test) measure it from outside.
 */
import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100;

/** The pids of this process's descendants named `workerd` (wrangler's harness may start more than one). */
export function workerdPids(): number[] {
  const parents = new Map<number, number>();
  const names = new Map<number, string>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      names.set(Number(entry), stat.slice(stat.indexOf("(") + 1, close));
      parents.set(Number(entry), Number(stat.slice(close + 2).split(" ")[1]));
    } catch {
      // the process ended meanwhile
    }
  }
  const mine = (pid: number): boolean => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p))
      if (p === process.pid) return true;
    return false;
  };
  return [...names].filter(([pid, name]) => name === "workerd" && mine(pid)).map(([pid]) => pid);
}

/** User + system CPU seconds the processes have used so far, together. */
export function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / TICKS_PER_SECOND;
}

/** The largest peak resident memory among the processes so far, in MiB. */
export function peakRssMiB(pids: readonly number[]): number {
  let peak = 0;
  for (const pid of pids) {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    peak = Math.max(peak, match ? Number(match[1]) / 1024 : 0);
  }
  return peak;
}
