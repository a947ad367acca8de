/**
 * The repository stands alone: no tracked file cites a document that is not in it (the specification and
 * checklists it was first built from live outside the repository, so a reference to them is a dead link for
 * every reader). The names are spelled in pieces here so that this file does not cite them itself.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ROOT } from "../support/render-cases.ts";

/** The outside documents by file name (a bare `CLIENTS` is also an identifier), the checklist by its title too. */
const OUTSIDE = new RegExp(
  `\\b(${["CONTRACT", "CLIENTS", "STYLE", "TEST-" + "CHECKLIST"].join("|")})\\.md\\b|\\bTEST-${"CHECKLIST"}\\b|` +
    `/work/${"shared"}|\\.\\./${"shared"}/`,
);

describe("citations", () => {
  it("no tracked text file cites a file outside the repository", () => {
    const files = execFileSync("git", ["ls-files"], { cwd: ROOT, encoding: "utf8" })
      .split("\n")
      .filter(
        (f) => /\.(ts|mts|mjs|js|md|toml|json|css|py|sh|service)$/.test(f) && f !== "package-lock.json",
      );
    const found: string[] = [];
    for (const file of files) {
      readFileSync(`${ROOT}${file}`, "utf8")
        .split("\n")
        .forEach((line, i) => {
          if (OUTSIDE.test(line)) found.push(`${file}:${i + 1}: ${line.trim().slice(0, 160)}`);
        });
    }
    expect(found).toEqual([]);
  });
});
