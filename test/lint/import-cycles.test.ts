/**
 * No import circles: a module never reaches itself through its imports. A circle makes load order decide whether a
 * value is there yet, and it hides the layering — two files that need each other are one design split in two.
 * This builds the import graph of every TypeScript and JavaScript file of the repository (type-only imports and
 * `export … from` count: they bind the files just the same) with TypeScript's own scanner, and names each circle.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { ROOT } from "../support/render-cases.ts";

const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;

/** The repository's source files (tracked, and new ones not ignored), relative to the root. */
function sourceFiles(): string[] {
  return execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], {
    cwd: ROOT,
    encoding: "utf8",
  })
    .split("\n")
    .filter((f) => SOURCE.test(f) && !f.endsWith(".d.ts") && existsSync(join(ROOT, f)));
}

/** The repository file a relative specifier names, or `null` for a package or a file outside the graph. */
function resolve(from: string, specifier: string, files: ReadonlySet<string>): string | null {
  if (!specifier.startsWith(".")) return null;
  const path = normalize(join(dirname(from), specifier));
  const candidates = [path, path.replace(/\.js$/, ".ts"), `${path}.ts`, join(path, "index.ts")];
  return candidates.find((c) => files.has(c)) ?? null;
}

/** Each file's imports of other repository files: static, type-only, re-exports and dynamic `import()`. */
function importGraph(files: readonly string[], read: (file: string) => string): Map<string, string[]> {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const info = ts.preProcessFile(read(file), true, true);
    const targets = info.importedFiles
      .map((i) => resolve(file, i.fileName, known))
      .filter((t): t is string => t !== null);
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** The strongly connected components with more than one file, or one file importing itself (Tarjan). */
function circles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    for (let w = stack.pop()!; ; w = stack.pop()!) {
      onStack.delete(w);
      component.push(w);
      if (w === v) break;
    }
    if (component.length > 1 || graph.get(v)?.includes(v)) found.push(component.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return found;
}

/** One shortest circle through the first file of a component, as `a → b → a`. */
function describeCircle(graph: ReadonlyMap<string, readonly string[]>, component: string[]): string {
  const inside = new Set(component);
  const start = component[0]!;
  const previous = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const v = queue[i]!;
    for (const w of graph.get(v) ?? []) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(previous.get(path[0]!)!);
        return [...path, start].join(" → ");
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return component.join(", ");
}

describe("import graph", () => {
  it("has no circle: no file reaches itself through its imports", () => {
    const graph = importGraph(sourceFiles(), (file) => readFileSync(join(ROOT, file), "utf8"));
    const found = circles(graph).map(
      (c) => `${describeCircle(graph, c)}${c.length > 2 ? ` (circle of ${c.length}: ${c.join(", ")})` : ""}`,
    );
    expect(found).toEqual([]);
  });

  it("sees a circle made of type-only imports and re-exports", () => {
    const text: Record<string, string> = {
      "a.ts": 'import type { B } from "./b.ts";\nexport type A = B;\n',
      "b.ts": 'export { c } from "./c.ts";\nexport type B = number;\n',
      "c.ts": 'export const c = () => import("./a.ts");\n',
      "d.ts": 'import { c } from "./c.ts";\nexport const d = c;\n',
    };
    const files = Object.keys(text);
    const graph = importGraph(files, (file) => text[file]!);
    const found = circles(graph);
    expect(found).toEqual([["a.ts", "b.ts", "c.ts"]]);
    expect(describeCircle(graph, found[0]!)).toBe("a.ts → b.ts → c.ts → a.ts");
  });
});
