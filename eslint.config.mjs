// Lint rules: typescript-eslint's recommended set on every TypeScript file; the admin page's script (plain
// browser JavaScript, served as it is) with browser globals; and the runtime-neutral boundary: `src/core` and
// `src/http` run unchanged on Node and on Workers, so they may not reach for Node (a `node:*` or bare built-in
// import, `Buffer`, `process`, …) nor import the runtime layers that do (`src/node`, `src/worker`).
// Nothing in `src` imports the project's tooling (`bench/`, `scripts/`): the product must not depend on it.
// `test/lint/runtime-neutral.test.ts` lints deliberate violations to keep these rules from silently going away.
// Promises are linted with type information: one left floating rejects unhandled, and Node exits on an unhandled
// rejection (guarded by `test/lint/promises.test.ts`). The types come from the two programs `npm run typecheck`
// builds: tsconfig.json (Node, tests, tooling) and tsconfig.worker.json (the Workers adapter, whose globals differ);
// each file is linted with the first that holds it. (The project service would find only the first: it looks for
// files named tsconfig.json.)
import js from "@eslint/js";
import globals from "globals";
import { builtinModules } from "node:module";
import tseslint from "typescript-eslint";

/** Node's built-in modules by every name an import can use (`fs`, `node:fs`, `fs/promises`, `node:test`). */
const NODE_MODULES = [...new Set(builtinModules.flatMap((m) => [m, `node:${m}`, `${m}/*`]))];
/** Globals that exist on Node only. */
const NODE_GLOBALS = [
  "Buffer",
  "process",
  "global",
  "require",
  "module",
  "exports",
  "__dirname",
  "__filename",
  "setImmediate",
  "clearImmediate",
].map((name) => ({ name, message: `\`${name}\` is Node-only; runtime-neutral code takes it injected` }));

/** The project's tooling, which the product in `src` may not import. */
const TOOLING = {
  group: ["**/bench/**", "**/scripts/**"],
  message: "src must not depend on the project's tooling (bench/, scripts/): move what both need into src",
};

export default tseslint.config(
  { ignores: ["node_modules/**", "data/**", ".wrangler/**", "coverage/**", "dist/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  {
    // `void promise` stays allowed, for a promise that cannot reject or whose rejection is handled inside.
    files: ["**/*.ts", "**/*.mts"],
    languageOptions: {
      parserOptions: {
        project: ["./tsconfig.json", "./tsconfig.worker.json"],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": ["error", { allowMixedPromiseArrays: true }],
    },
  },
  // Plain JavaScript (the admin page's script, this file) has no types to lint with.
  { files: ["**/*.js", "**/*.mjs"], ...tseslint.configs.disableTypeChecked },
  { files: ["src/http/pages/*.js"], languageOptions: { globals: globals.browser } },
  // The launchers: CommonJS that any old Node parses, so it can say which Node shiftfeed needs.
  {
    files: ["bin/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: globals.node },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  { files: ["src/**/*.ts"], rules: { "no-restricted-imports": ["error", { patterns: [TOOLING] }] } },
  {
    files: ["src/core/**/*.ts", "src/http/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["node:*", ...NODE_MODULES],
              message: "src/core and src/http are runtime-neutral: Node-only code goes in src/node",
            },
            {
              group: ["**/node/**", "**/worker/**"],
              message: "src/core and src/http must not depend on a runtime layer; inject what it provides",
            },
            TOOLING,
          ],
        },
      ],
      "no-restricted-globals": ["error", ...NODE_GLOBALS],
      "no-restricted-syntax": [
        "error",
        {
          selector: "ImportExpression[source.value=/^node:/]",
          message: "src/core and src/http are runtime-neutral: no dynamic import of a Node module",
        },
        {
          selector: "TSTypeReference[typeName.left.name='NodeJS']",
          message: "src/core and src/http are runtime-neutral: no `NodeJS.*` types",
        },
        {
          selector: "MemberExpression[object.name='globalThis'][property.name=/^(process|Buffer)$/]",
          message: "src/core and src/http are runtime-neutral: no `globalThis.process` / `globalThis.Buffer`",
        },
      ],
    },
  },
);
