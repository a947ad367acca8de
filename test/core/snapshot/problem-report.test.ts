// createReport: counts every problem, lists the first `max` in document order, summarises the rest.
import { describe, expect, it } from "vitest";
import { createReport } from "../../../src/core/snapshot/problem-report.ts";

describe("createReport", () => {
  it("lists the first problems in document order, whatever order they were added in", () => {
    const report = createReport(3);
    for (const i of [9, 4, 7, 0, 8, 2, 6, 1, 5, 3]) report.add(["assignments", i, "date"], `bad ${i}`);
    report.add(["revision"], "bad revision");
    expect(report.count).toBe(11);
    expect(report.details()).toEqual([
      { path: "$.revision", message: "bad revision" },
      { path: "$.assignments[0].date", message: "bad 0" },
      { path: "$.assignments[1].date", message: "bad 1" },
      { path: "$", message: "8 more problems not listed (at most 3 are reported)" },
    ]);
  });

  it("keeps problems at the same path in the order they were found", () => {
    const report = createReport(2);
    report.add(["a"], "first");
    report.add(["a"], "second");
    report.add(["a"], "third");
    report.add(["a"], "fourth");
    expect(report.details().map((d) => d.message)).toEqual([
      "first",
      "second",
      "2 more problems not listed (at most 2 are reported)",
    ]);
  });

  it("adds no summary when every problem is listed", () => {
    const report = createReport(2);
    report.add(["b"], "x");
    report.add(["a"], "y");
    expect(report.details()).toEqual([
      { path: "$.a", message: "y" },
      { path: "$.b", message: "x" },
    ]);
  });

  it("words a lazy message only if the problem is listed", () => {
    const report = createReport(2);
    const worded: number[] = [];
    for (const i of [5, 1, 4, 0, 3, 2]) {
      report.add(["k", i], () => {
        worded.push(i);
        return `problem ${i}`;
      });
    }
    expect(report.details().map((d) => d.message)).toEqual([
      "problem 0",
      "problem 1",
      "4 more problems not listed (at most 2 are reported)",
    ]);
    expect(worded.sort()).toEqual([0, 1]);
  });
});
