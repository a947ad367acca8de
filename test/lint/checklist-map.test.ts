/**
 * Keeps `docs/test-checklist.md` honest: it maps all 40 checklist items, each row names at least one test file
 * or benchmark, and every file and quoted test title it names exists (a renamed or deleted test fails here, so the
 * table cannot drift into claiming what nothing shows).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../support/render-cases.ts";

const TABLE = join(ROOT, "docs/test-checklist.md");

interface Reference {
  file: string;
  title: string | null;
}

interface Row {
  item: number;
  references: Reference[];
}

/** The item rows of the table: `| n | item | shown by |`, with every `` `path` `` › "title" reference. */
function readRows(markdown: string): Row[] {
  const rows: Row[] = [];
  for (const line of markdown.split("\n")) {
    const row = /^\| (\d+) \| [^|]+ \| (.+) \|$/.exec(line);
    if (row === null) continue;
    const references: Reference[] = [];
    for (const ref of row[2]!.matchAll(/`((?:test|bench|src)\/[^`]+)`(?: › "([^"]+)")?/g)) {
      references.push({ file: ref[1]!, title: ref[2] ?? null });
    }
    rows.push({ item: Number(row[1]), references });
  }
  return rows;
}

describe("docs/test-checklist.md", () => {
  const rows = readRows(readFileSync(TABLE, "utf8"));

  it("maps every one of the 40 items exactly once, each to at least one test or benchmark", () => {
    expect(rows.map((r) => r.item)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    for (const row of rows) expect(row.references.length, `item ${row.item}`).toBeGreaterThan(0);
    const tests = rows
      .flatMap((r) => r.references)
      .filter((r) => /\.test\.ts$|conformance\.ts$/.test(r.file));
    expect(tests.length).toBeGreaterThan(80);
  });

  it("names only files that exist and titles those files hold", () => {
    for (const row of rows) {
      for (const { file, title } of row.references) {
        const path = join(ROOT, file);
        expect(existsSync(path), `item ${row.item}: ${file}`).toBe(true);
        if (title !== null) {
          expect(readFileSync(path, "utf8").includes(title), `item ${row.item}: ${file} › "${title}"`).toBe(
            true,
          );
        }
      }
    }
  });

  it("(the check itself) catches a missing file, a missing title and a missing item", () => {
    const good = '| 1 | x | `test/http/feed-route.test.ts` › "1. plain GET" |';
    expect(readRows(good)).toEqual([
      { item: 1, references: [{ file: "test/http/feed-route.test.ts", title: "1. plain GET" }] },
    ]);
    const bad = readRows('| 2 | x | `test/http/no-such.test.ts` › "nothing like this" |')[0]!;
    expect(existsSync(join(ROOT, bad.references[0]!.file))).toBe(false);
    const wrongTitle = readRows('| 3 | x | `test/http/feed-route.test.ts` › "no such title anywhere" |')[0]!;
    const text = readFileSync(join(ROOT, wrongTitle.references[0]!.file), "utf8");
    expect(text.includes(wrongTitle.references[0]!.title!)).toBe(false);
    expect(readRows("| 4 | x | only words |")[0]!.references).toEqual([]);
  });
});
