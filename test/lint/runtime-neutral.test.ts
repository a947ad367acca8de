/**
 * The runtime-neutral boundary is enforced, not a convention: ESLint refuses Node imports, Node globals and
 * imports of the runtime layers in `src/core` and `src/http` (eslint.config.mjs), and `tsconfig.neutral.json`
 * type-checks both folders without Node's types. Deliberate violations are linted here as if they were files of
 * those folders, so removing or weakening the rule fails this test; the same code elsewhere stays allowed.
 */
import { readFileSync } from "node:fs";
import { ESLint } from "eslint";
import tseslint from "typescript-eslint";
import { describe, expect, it } from "vitest";
import { ROOT } from "../support/render-cases.ts";

// These rules read no types: the probes are linted without the project's programs (test/lint/promises.test.ts
// covers the rules that do).
const eslint = new ESLint({
  cwd: ROOT,
  overrideConfig: { files: ["**/*.ts"], ...tseslint.configs.disableTypeChecked },
});

/** The rule ids ESLint reports for `code` as the file `path`. */
async function problems(code: string, path: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}${path}` });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

const VIOLATIONS: [string, string, string][] = [
  [
    "a node: import",
    'import { readFileSync } from "node:fs";\nexport const f = readFileSync;\n',
    "no-restricted-imports",
  ],
  [
    "a bare built-in import",
    'import { createHash } from "crypto";\nexport const h = createHash;\n',
    "no-restricted-imports",
  ],
  [
    "a built-in subpath",
    'import { readFile } from "fs/promises";\nexport const r = readFile;\n',
    "no-restricted-imports",
  ],
  [
    "a type-only node import",
    'import type { Worker } from "node:worker_threads";\nexport type W = Worker;\n',
    "no-restricted-imports",
  ],
  ["a dynamic node import", 'export const m = () => import("node:os");\n', "no-restricted-syntax"],
  ["Buffer", "export const b = Buffer.from([1]);\n", "no-restricted-globals"],
  ["process", "export const e = process.env;\n", "no-restricted-globals"],
  ["globalThis.process", "export const e = globalThis.process;\n", "no-restricted-syntax"],
  ["__dirname", "export const d = __dirname;\n", "no-restricted-globals"],
  ["setImmediate", "export const s = () => setImmediate(() => 1);\n", "no-restricted-globals"],
  ["a NodeJS type", "export type T = NodeJS.Timeout;\n", "no-restricted-syntax"],
  [
    "the Node store",
    'import { openNodeSqlite } from "../../node/store/node-sqlite.ts";\nexport const o = openNodeSqlite;\n',
    "no-restricted-imports",
  ],
  [
    "the Durable Object store",
    'import { durableObjectSql } from "../../worker/store/durable-object-sql.ts";\nexport const d = durableObjectSql;\n',
    "no-restricted-imports",
  ],
  [
    "the Node layer",
    'import { startServer } from "../../node/server.ts";\nexport const s = startServer;\n',
    "no-restricted-imports",
  ],
];

describe("the runtime-neutral boundary (src/core, src/http)", () => {
  it.each(VIOLATIONS)("refuses %s in src/core and src/http", async (_name, code, rule) => {
    expect(await problems(code, "src/core/publish/probe.ts")).toContain(rule);
    expect(await problems(code, "src/http/probe.ts")).toContain(rule);
  });

  it("allows the same code in src/node, and web APIs in src/core", async () => {
    expect(
      await problems(
        'import { readFileSync } from "node:fs";\nexport const f = readFileSync;\n',
        "src/node/probe.ts",
      ),
    ).toEqual([]);
    const web =
      "export const d = (b: Uint8Array) => crypto.subtle.digest('SHA-256', b);\nexport const t = new TextEncoder();\n";
    expect(await problems(web, "src/core/probe.ts")).toEqual([]);
  });

  it("type-checks src/core and src/http without Node's types", () => {
    const config = JSON.parse(readFileSync(`${ROOT}tsconfig.neutral.json`, "utf8")) as {
      compilerOptions: { types: string[] };
      include: string[];
    };
    expect(config.compilerOptions.types).toEqual([]);
    expect(config.include).toEqual(["src/core", "src/http"]);
    const scripts = (
      JSON.parse(readFileSync(`${ROOT}package.json`, "utf8")) as { scripts: Record<string, string> }
    ).scripts;
    // `npm run typecheck` runs scripts/typecheck.ts, which runs every config listed in its CONFIGS.
    expect(scripts["typecheck"]).toBe("node scripts/typecheck.ts");
    const configs = /const CONFIGS = \[([^\]]*)\]/.exec(
      readFileSync(`${ROOT}scripts/typecheck.ts`, "utf8"),
    )?.[1];
    expect(configs).toContain('"tsconfig.neutral.json"');
  });
});

describe("the product does not depend on its tooling", () => {
  const imports = [
    'import { x } from "../../bench/lib/wrk.ts";\nexport const y = x;\n',
    'import { x } from "../../../scripts/update-golden.ts";\nexport const y = x;\n',
  ];
  it.each([
    "src/cli/probe.ts",
    "src/node/probe.ts",
    "src/core/probe.ts",
    "src/http/probe.ts",
    "src/worker/probe.ts",
  ])("refuses an import of bench/ or scripts/ in %s", async (path) => {
    for (const code of imports) expect(await problems(code, path)).toContain("no-restricted-imports");
  });

  it("allows the tooling to import the product", async () => {
    expect(await problems(imports[0]!, "bench/probe.ts")).toEqual([]);
  });
});
