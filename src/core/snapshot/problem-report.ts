/**
 * The problem collector of one validation run: counts every problem, keeps the first `max` of them in document
 * order (so a hostile snapshot cannot make the response huge, and what is listed is the top of the document
 * whatever order the rules ran in), and says how many more there were.
 */
import type { ErrorDetail } from "../errors.ts";
import { comparePaths, formatPath, type Path } from "./json-path.ts";

/** Counts problems and lists the first ones in document order. */
export interface Report {
  /** Every problem added, listed or not. */
  count: number;
  /** Adds a problem; a message that costs something to word (a "did you mean" search) can be passed as a
   * function, called only if the problem is listed. */
  add(path: Path, message: string | (() => string)): void;
  /** The first `max` problems in document order, then one summary detail counting the rest. */
  details(): ErrorDetail[];
}

type Problem = { path: Path; message: string | (() => string) };

const byPath = (a: Problem, b: Problem) => comparePaths(a.path, b.path);

/** A fresh report that lists at most `max` problems (`SNAPSHOT_LIMITS.maxDetails` in validation). */
export function createReport(max: number): Report {
  let kept: Problem[] = [];
  // Keep up to 2 × max, then sort and drop the later half: O(n log max) over n problems, memory O(max).
  // The sort is stable, so problems at one path stay in the order they were found.
  const trim = () => {
    kept.sort(byPath);
    if (kept.length > max) kept = kept.slice(0, max);
  };
  return {
    count: 0,
    add(path, message) {
      this.count++;
      kept.push({ path, message });
      if (kept.length >= 2 * max && max > 0) trim();
    },
    details() {
      trim();
      const out = kept.map(({ path, message }) => ({
        path: formatPath(path),
        message: typeof message === "string" ? message : message(),
      }));
      const more = this.count - out.length;
      if (more > 0)
        out.push({ path: "$", message: `${more} more problems not listed (at most ${max} are reported)` });
      return out;
    },
  };
}
