/**
 * The repository stands alone: no file cites a document or a path that is not in it. The specification and
 * checklists it was first built from live outside the repository, and so does the machine it was built on, so a
 * reference to either is a dead link for every reader. Three checks, over every text file git tracks or would add:
 * no outside document by name, no path outside the checkout (a shared folder beside it, absolute work paths), and every
 * relative Markdown link (and image) resolves to a file inside the repository — with its `#anchor`, to a heading
 * that file has; and every repository path a document names in code (`src/…`, `test/…`) and every `docs/….md` any
 * file names exists. The names are spelled in pieces here so that this file does not cite them itself.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../support/render-cases.ts";

/** The outside documents by file name (a bare `CLIENTS` is also an identifier), the checklist by its title too. */
const OUTSIDE = new RegExp(
  `\\b(${["CONTRACT", "CLIENTS", "STYLE", "TEST-" + "CHECKLIST"].join("|")})\\.md\\b|\\bTEST-${"CHECKLIST"}\\b|` +
    `(?<![\\w.])/${"work"}/|\\.\\./${"shared"}/`,
);

/** The text files checked: sources, scripts, configuration and documentation. */
const CHECKED = /\.(ts|mts|mjs|js|md|toml|json|css|py|sh|service|example)$|(^|\/)Caddyfile$|^\.ci\//;

/** Files git tracks, and new ones it would add (so a file not yet committed is checked too). */
function repositoryFiles(): string[] {
  return execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], {
    cwd: ROOT,
    encoding: "utf8",
  })
    .split("\n")
    .filter((f) => CHECKED.test(f) && f !== "package-lock.json" && existsSync(join(ROOT, f)));
}

/** A heading's anchor as GitHub makes it: lower case, punctuation dropped, each space a hyphen. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** The anchors a Markdown text offers: one per heading (repeats numbered `-1`, `-2`, …), outside code blocks. */
export function anchors(markdown: string): Set<string> {
  const found = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(markdown, false)) {
    const heading = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line.text);
    if (heading === null) continue;
    const base = slug(heading[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    found.add(n === 0 ? base : `${base}-${n}`);
  }
  return found;
}

/** The lines of a Markdown text outside fenced code blocks, with their numbers (and inline code emptied). */
function proseLines(markdown: string, emptyCode = true): { n: number; text: string }[] {
  const lines: { n: number; text: string }[] = [];
  let fence: string | null = null;
  markdown.split("\n").forEach((line, i) => {
    const marker = /^\s*(```+|~~~+)/.exec(line);
    if (marker !== null) {
      if (fence === null) fence = marker[1]!.slice(0, 3);
      else if (marker[1]!.startsWith(fence)) fence = null;
      return;
    }
    if (fence === null) lines.push({ n: i + 1, text: emptyCode ? line.replace(/`[^`]*`/g, "``") : line });
  });
  return lines;
}

/** The relative link targets of a Markdown text: `[text](target)`, `![alt](target)` and `<img src="target">`. */
function linkTargets(markdown: string): { n: number; target: string }[] {
  const targets: { n: number; target: string }[] = [];
  for (const { n, text } of proseLines(markdown)) {
    for (const m of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)|<img\s[^>]*\bsrc="([^"]+)"/g)) {
      const target = m[1] ?? m[2]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:: outside by design, not a file
      targets.push({ n, target });
    }
  }
  return targets;
}

/**
 * What one file cites outside the repository, as `file:line: why` lines. `read` gives another file's text (for
 * anchors) or null when there is no such file; `root` is the repository's folder.
 */
export function citations(
  file: string,
  text: string,
  root: string,
  read: (path: string) => string | null,
): string[] {
  const found: string[] = [];
  text.split("\n").forEach((line, i) => {
    if (OUTSIDE.test(line)) found.push(`${file}:${i + 1}: cites outside: ${line.trim().slice(0, 160)}`);
  });
  text.split("\n").forEach((line, i) => {
    for (const m of line.matchAll(/(?<![\w/.-])docs\/[\w./-]*\w\.md\b/g)) {
      if (read(m[0]) === null) found.push(`${file}:${i + 1}: names ${m[0]}, which is not in the repository`);
    }
  });
  if (!file.endsWith(".md")) return found;
  for (const { n, text: line } of proseLines(text, false)) {
    for (const m of line.matchAll(/`((?:src|test|bench|scripts|deploy|fixtures|docs)\/[^`\s]*)`/g)) {
      const path = m[1]!.replace(/\/$/, "");
      if (/[<>{}*…$]/.test(path)) continue; // a pattern or a placeholder, not a path
      if (read(path) === null) found.push(`${file}:${n}: names \`${m[1]}\`, which is not in the repository`);
    }
  }
  for (const { n, target } of linkTargets(text)) {
    const [pathPart, anchor] = target.split("#", 2) as [string, string | undefined];
    const where = `${file}:${n}: link ${target}`;
    const path = pathPart === "" ? file : relative(root, resolve(root, dirname(file), decodeURI(pathPart)));
    if (path.startsWith("..") || resolve(root, path) === resolve(root, "..")) {
      found.push(`${where} leaves the repository`);
      continue;
    }
    const linked = path === file ? text : read(path);
    if (linked === null) {
      found.push(`${where} names no file in the repository`);
      continue;
    }
    if (anchor !== undefined && anchor !== "" && path.endsWith(".md") && !anchors(linked).has(anchor)) {
      found.push(`${where} names no heading of ${path}`);
    }
  }
  return found;
}

/** A repository file's text; a folder reads as empty (a link to a folder is fine), a missing path as null. */
function readRepoFile(path: string): string | null {
  const full = join(ROOT, path);
  if (!existsSync(full)) return null;
  return statSync(full).isDirectory() ? "" : readFileSync(full, "utf8");
}

/**
 * The files reachable from `start` by relative Markdown links and images, following links from Markdown files only.
 * `read` gives a repository file's text, or null when there is none.
 */
export function reachable(start: string, read: (path: string) => string | null): Set<string> {
  const seen = new Set<string>([start]);
  const queue = [start];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    const text = file.endsWith(".md") ? read(file) : null;
    if (text === null) continue;
    for (const { target } of linkTargets(text)) {
      const pathPart = target.split("#", 1)[0]!;
      if (pathPart === "") continue;
      const path = relative("/", resolve("/", dirname(file), decodeURI(pathPart)));
      if (!seen.has(path) && read(path) !== null) {
        seen.add(path);
        queue.push(path);
      }
    }
  }
  return seen;
}

describe("the README leads to every document", () => {
  it("every file under docs/ is reachable from README.md by links", () => {
    const all = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "docs"], {
      cwd: ROOT,
      encoding: "utf8",
    })
      .split("\n")
      .filter((f) => f !== "" && existsSync(join(ROOT, f)));
    expect(all).toContain("docs/api.md");
    const found = reachable("README.md", readRepoFile);
    expect(all.filter((f) => !found.has(f))).toEqual([]);
  });

  it("(the check itself) follows links through documents, and misses a file nothing links to", () => {
    const files: Record<string, string> = {
      "README.md": "[api](doc/api.md) ![shot](doc/shot.png)",
      "doc/api.md": "[results](bench/results.md#machine) [back](../README.md)",
      "doc/bench/results.md": "# Machine",
      "doc/shot.png": "",
      "doc/orphan.md": "[api](api.md)",
    };
    const found = reachable("README.md", (path) => files[path] ?? null);
    expect([...found].sort()).toEqual(["README.md", "doc/api.md", "doc/bench/results.md", "doc/shot.png"]);
  });
});

describe("citations", () => {
  it("no text file cites a document or path outside the repository, and every Markdown link resolves", () => {
    const found = repositoryFiles().flatMap((file) =>
      citations(file, readFileSync(join(ROOT, file), "utf8"), ROOT, readRepoFile),
    );
    expect(found).toEqual([]);
  });

  it("(the check itself) finds each kind of outside citation, and passes a link that resolves", () => {
    const files: Record<string, string> = {
      "README.md": "# shiftfeed\n\n## Deploy to Cloudflare\n\n## Deploy to Cloudflare\n",
      "doc/api.md": "# HTTP API\n\n## `GET /feeds/{token}.ics`\n",
      "doc/shot.png": "",
      "src/core/x.ts": "",
      "src/core": "",
    };
    const read = (path: string) => files[path] ?? null;
    const check = (text: string) => citations("doc/guide.md", text, "/repo", read);
    const shared = "../" + "shared/";
    const work = "/" + "work/";
    expect(check(`see ${shared}notes.txt`)).toHaveLength(1);
    expect(check(`built from ${work}main/plan.txt`)).toHaveLength(1);
    expect(check(`// ${"CON" + "TRACT"}.md says so`)).toHaveLength(1);
    expect(check("[up](../../outside.md)")).toEqual([
      "doc/guide.md:1: link ../../outside.md leaves the repository",
    ]);
    expect(check("[gone](missing.md)")).toEqual([
      "doc/guide.md:1: link missing.md names no file in the repository",
    ]);
    expect(check('<img src="nothing.png" alt="">')).toHaveLength(1);
    expect(check("[x](../README.md#no-such-heading)")).toEqual([
      "doc/guide.md:1: link ../README.md#no-such-heading names no heading of README.md",
    ]);
    expect(check("[x](#nowhere)")).toHaveLength(1);
    expect(check("the rule lives in `src/core/nowhere.ts`")).toEqual([
      "doc/guide.md:1: names `src/core/nowhere.ts`, which is not in the repository",
    ]);
    const gone = ["docs", "gone.md"].join("/");
    expect(citations("src/x.ts", `// see ${gone} › Feeds`, "/repo", read)).toEqual([
      `src/x.ts:1: names ${gone}, which is not in the repository`,
    ]);
    expect(check("`src/core/x.ts` and `src/core/` and `bench/.data/<folder>` and `src/*.ts`")).toEqual([]);
    const good = [
      "# Guide",
      "[a](../README.md#deploy-to-cloudflare) [b](../README.md#deploy-to-cloudflare-1) [c](api.md#get-feedstokenics)",
      '![shot](shot.png) <img src="shot.png" alt=""> [self](#guide) [web](https://example.org/x/../y)',
      "```sh",
      `cat ${work}x [not](a-link.md)`.replace(work, "/tmp/"),
      "```",
      "`[in code](nowhere.md)`",
    ].join("\n");
    expect(check(good)).toEqual([]);
    expect(slug("Choices where the design leaves room")).toBe("choices-where-the-design-leaves-room");
    expect(slug("`npm test` and `npm run test:all`")).toBe("npm-test-and-npm-run-testall");
  });
});
