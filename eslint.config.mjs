// eslint on the browser code and its tests: `npx eslint` (scripts/test.sh runs it).
import js from "@eslint/js";
import globals from "globals";

export default [
  {
    ignores: ["static/vendor/**", "static/build/**", "node_modules/**", ".venv/**"],
  },
  js.configs.recommended,
  {
    // The pages' code: ES modules in the browser (no build step), under a CSP without eval.
    files: ["static/js/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.browser },
    },
    rules: {
      "no-eval": "error",
      "no-implied-eval": "error",
      "no-new-func": "error",
      "no-unused-vars": ["error", { args: "none", caughtErrors: "none" }],
      "no-var": "error",
      "prefer-const": "error",
      eqeqeq: ["error", "always"],
    },
  },
  {
    // The Node tests of the live client (tests/js, `node --test`).
    files: ["tests/js/**/*.mjs", "eslint.config.mjs"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.node },
    },
  },
  {
    // The benchmark's bare Socket.IO server in Node (bench/node).
    files: ["bench/**/*.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "commonjs", globals: { ...globals.node } },
  },
];
