/**
 * The problem collector of one validation run: keeps at most `max` problems (so a hostile snapshot cannot make
 * the response huge), counts the rest, and lists what it kept in document order.
 */
import type { ErrorDetail } from "../errors.ts";
import { comparePaths, formatPath, type Path } from "./json-path.ts";

/** Collects problems up to `max`, then only counts; lists them in document order. */
export interface Report {
  count: number;
  add(path: Path, message: string): void;
  details(): ErrorDetail[];
}

/** A fresh report that lists at most `max` problems (`SNAPSHOT_LIMITS.maxDetails` in validation). */
export function createReport(max: number): Report {
  const kept: { path: Path; message: string }[] = [];
  return {
    count: 0,
    add(path, message) {
      this.count++;
      if (kept.length < max) kept.push({ path, message });
    },
    details() {
      const sorted = kept.slice().sort((a, b) => comparePaths(a.path, b.path));
      const out = sorted.map(({ path, message }) => ({ path: formatPath(path), message }));
      const more = this.count - kept.length;
      if (more > 0)
        out.push({ path: "$", message: `${more} more problems not listed (at most ${max} are reported)` });
      return out;
    },
  };
}
