/**
 * A promise nobody awaits or catches rejects unhandled, and Node ends the process on an unhandled rejection. The
 * type-aware rules of eslint.config.mjs refuse one left floating and one handed to a caller that ignores what its
 * callback returns (a plain callback, a condition); deliberate violations are linted here as files of every linted folder, so turning the
 * rules off or narrowing their files fails this test. The type information comes from a program holding only the
 * probes (the project's own programs take the whole tree, far too slow for a test); that `npm run lint` builds
 * those programs is shown by the lint itself.
 */
import { ESLint } from "eslint";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { ROOT } from "../support/render-cases.ts";

const FOLDERS = [
  "src/core/publish",
  "src/http",
  "src/node",
  "src/worker",
  "src/cli",
  "test",
  "bench",
  "scripts",
];

const SAVE = "async function save(): Promise<void> {}\n";
const VIOLATIONS: [string, string, string][] = [
  ["a floating promise", `${SAVE}export function f(): void {\n  save();\n}\n`, "no-floating-promises"],
  [
    "an async callback where a void one is expected",
    `${SAVE}export const g = (xs: string[]) => xs.forEach(async () => {\n  await save();\n});\n`,
    "no-misused-promises",
  ],
  ["a promise as a condition", `${SAVE}export const h = () => (save() ? 1 : 2);\n`, "no-misused-promises"],
  ["awaiting a value that is no promise", "export const k = async () => await 1;\n", "await-thenable"],
];
const ALLOWED: [string, string][] = [
  ["awaited", `${SAVE}export async function f(): Promise<void> {\n  await save();\n}\n`],
  ["caught", `${SAVE}export function f(): void {\n  save().catch(() => undefined);\n}\n`],
  ["given a rejection handler", `${SAVE}export function f(): void {\n  save().then(Boolean, Boolean);\n}\n`],
];

/** Every probe: each snippet as a file of each folder. */
const PROBES = new Map<string, string>(
  [...VIOLATIONS, ...ALLOWED].flatMap(([, code], n) =>
    FOLDERS.map((folder) => [`${ROOT}${folder}/promise-probe-${n}.ts`, code] as const),
  ),
);
const pathOf = (code: string, folder: string) =>
  [...PROBES].find(([path, c]) => c === code && path.startsWith(`${ROOT}${folder}/`))![0];

/** A program of the probes alone (TypeScript's own libraries, no Node), far quicker to build than the project's. */
function probeProgram(): ts.Program {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2023,
    strict: true,
    types: [],
    noEmit: true,
  };
  const host = ts.createCompilerHost(options, true);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, version, ...rest) => {
    const code = PROBES.get(name);
    return code === undefined
      ? getSourceFile(name, version, ...rest)
      : ts.createSourceFile(name, code, version, true);
  };
  host.fileExists = (name) => PROBES.has(name) || fileExists(name);
  host.readFile = (name) => PROBES.get(name) ?? readFile(name);
  return ts.createProgram([...PROBES.keys()], options, host);
}

const eslint = new ESLint({
  cwd: ROOT,
  overrideConfig: {
    files: ["**/*.ts"],
    languageOptions: { parserOptions: { project: null, projectService: false, programs: [probeProgram()] } },
  },
});

/** The rule ids ESLint reports for `code` as a file of `folder`. */
async function problems(code: string, folder: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: pathOf(code, folder) });
  return (result?.messages ?? []).map((m) => m.ruleId?.replace("@typescript-eslint/", "") ?? m.message);
}

describe("type-aware lint of promises", () => {
  it.each(VIOLATIONS)("refuses %s in every linted folder", async (_name, code, rule) => {
    for (const folder of FOLDERS) expect(await problems(code, folder), folder).toContain(rule);
  });

  it.each(ALLOWED)("allows a promise %s", async (_name, code) => {
    for (const folder of FOLDERS) expect(await problems(code, folder), folder).toEqual([]);
  });
});
