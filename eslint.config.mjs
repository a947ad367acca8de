// Lint rules: typescript-eslint's recommended set on every TypeScript file; the admin page's script (plain
// browser JavaScript, served as it is) with browser globals.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

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
);
