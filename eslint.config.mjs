// Lint rules: typescript-eslint's recommended set on every TypeScript file; the admin page's script (plain
// browser JavaScript, served as it is) with browser globals; and the runtime-neutral boundary: `src/core` and
// `src/http` run unchanged on Node and on Workers, so they may not reach for Node (a `node:*` or bare built-in
// import, `Buffer`, `process`, …) nor import the runtime layers that do (`src/node`, `src/worker`).
// Nothing in `src` imports the project's tooling (`bench/`, `scripts/`): the product must not depend on it.
// `test/lint/runtime-neutral.test.ts` lints deliberate violations to keep these rules from silently going away.
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
  { ignores: ["node_modules/**", "data/**", ".wrangler/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  { files: ["src/http/pages/*.js"], languageOptions: { globals: globals.browser } },
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
