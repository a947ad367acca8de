/**
 * Every test file runs somewhere: each one is in exactly one of the two sets (the fast set `npm test` runs, the
 * slow set only `npm run test:all` adds), every project of `vitest.config.mts` is in one set by its name, and
 * `test:all` (what CI runs) runs every project. A new file falls in a set by where it lies, and a slow-list entry that names no
 * file (a file moved or renamed) fails here rather than silently running nowhere.
 */
import { globSync, readFileSync } from "node:fs";
import { matchesGlob } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import config from "../../vitest.config.mts";
import { ALL_TESTS, SLOW_TESTS } from "../support/test-sets.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

interface Project {
  name: string;
  include: string[];
  exclude: string[];
}

const projects: Project[] = (config.test?.projects ?? []).map((p) => {
  const test = (p as { test?: { name?: unknown; include?: string[]; exclude?: string[] } }).test;
  return {
    name: String(test?.name),
    include: test?.include ?? [],
    exclude: test?.exclude ?? [],
  };
});

/** The projects a file runs in, by each project's include and exclude globs. */
const projectsOf = (file: string) =>
  projects
    .filter(
      (p) => p.include.some((g) => matchesGlob(file, g)) && !p.exclude.some((g) => matchesGlob(file, g)),
    )
    .map((p) => p.name);

/** A project's set, by its name: the slow set's projects are named `slow*`. */
const setOf = (project: string) => (project.startsWith("slow") ? "slow" : "fast");

const files = globSync(ALL_TESTS, { cwd: ROOT }).sort();
const scripts = (
  JSON.parse(readFileSync(`${ROOT}/package.json`, "utf8")) as { scripts: Record<string, string> }
).scripts;

describe("test sets", () => {
  it("finds the test files and both sets", () => {
    expect(files.length).toBeGreaterThan(100);
    expect(new Set(projects.map((p) => setOf(p.name)))).toEqual(new Set(["fast", "slow"]));
  });

  it("puts every test file in at least one project, and all of a file's projects in one set", () => {
    const nowhere = files.filter((f) => projectsOf(f).length === 0);
    expect(nowhere).toEqual([]);
    const split = files.filter((f) => new Set(projectsOf(f).map(setOf)).size !== 1);
    expect(split).toEqual([]);
  });

  it("puts exactly the slow list in the slow set", () => {
    const slow = files.filter((f) => projectsOf(f).some((p) => setOf(p) === "slow"));
    expect(slow).toEqual([...SLOW_TESTS].sort());
  });

  it("names only test files, once each, in the slow list", () => {
    expect(SLOW_TESTS.filter((f) => !files.includes(f))).toEqual([]);
    expect(new Set(SLOW_TESTS).size).toBe(SLOW_TESTS.length);
  });

  it("runs the fast set in npm test and every project in npm run test:all", () => {
    expect(scripts["test"]).toMatch(/\bvitest run --project '!slow\*'/);
    const all = scripts["test:all"] ?? "";
    expect(all).toMatch(/\bvitest run\b/);
    expect(all).not.toMatch(/--project|--exclude|--shard|--changed|-t\b|--testNamePattern/);
  });

  it("has CI run every test", () => {
    const ci = readFileSync(`${ROOT}/.ci/run`, "utf8");
    expect(ci).toMatch(/^npm run test:all$/m);
    expect(ci).not.toMatch(/^npm test$/m);
  });
});
