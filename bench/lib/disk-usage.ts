/**
 * How much disk a data dir takes: bytes (as written and as allocated), files, and the most crowded folder
 * (many entries in one folder is what made the incumbent slow).
 */
import { lstatSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";

export interface DiskUsage {
  /** Sum of file sizes. */
  bytes: number;
  /** Sum of allocated blocks (what `du` counts), folders included. */
  allocatedBytes: number;
  files: number;
  folders: number;
  /** The folder with the most entries, relative to the root (`.` for the root itself). */
  largestFolder: { path: string; entries: number };
}

/** Walks `root` (symbolic links are counted, not followed). */
export function diskUsage(root: string): DiskUsage {
  const usage: DiskUsage = {
    bytes: 0,
    allocatedBytes: 0,
    files: 0,
    folders: 0,
    largestFolder: { path: ".", entries: 0 },
  };
  const walk = (dir: string) => {
    const entries = readdirSync(dir, { withFileTypes: true });
    usage.folders++;
    usage.allocatedBytes += lstatSync(dir).blocks * 512;
    if (entries.length > usage.largestFolder.entries) {
      usage.largestFolder = { path: relative(root, dir) || ".", entries: entries.length };
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory()) {
        walk(path);
        continue;
      }
      const stat = lstatSync(path);
      usage.files++;
      usage.bytes += stat.size;
      usage.allocatedBytes += stat.blocks * 512;
    }
  };
  walk(root);
  return usage;
}
