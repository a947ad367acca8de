/**
 * What machine a run was on, for the results file: CPU model and count, memory, kernel, Node, and the versions
 * of the load generator and nginx.
 */
import { readFileSync } from "node:fs";
import { availableParallelism, release } from "node:os";

export interface MachineInfo {
  cpu: string;
  cpus: number;
  memory: string;
  kernel: string;
  node: string;
}

const firstMatch = (file: string, pattern: RegExp) => {
  try {
    return pattern.exec(readFileSync(file, "utf8"))?.[1]?.trim() ?? null;
  } catch {
    return null;
  }
};

/** This machine, from /proc (Linux) and `os`. */
export function machineInfo(): MachineInfo {
  const memKiB = Number(firstMatch("/proc/meminfo", /^MemTotal:\s+(\d+)/m) ?? 0);
  return {
    cpu: firstMatch("/proc/cpuinfo", /^model name\s*:\s*(.+)$/m) ?? "unknown CPU",
    cpus: availableParallelism(),
    memory: memKiB ? `${(memKiB / 1024 / 1024).toFixed(1)} GiB` : "unknown",
    kernel: `Linux ${release()}`,
    node: process.version,
  };
}
