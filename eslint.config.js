// ESLint: typescript-eslint's type-aware rules over src/, kit/, test/ and scripts/ (one program,
// from tsconfig.test.json), plain JS rules over the .mjs/.js files. Formatting is Prettier's job
// (`npm run format:check`), and import rules are dependency-cruiser's (.dependency-cruiser.cjs).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  // A disable comment that no longer disables anything is an error: it would hide the next real finding.
  { linterOptions: { reportUnusedDisableDirectives: "error" } },
  {
    ignores: ["dist/", "node_modules/", "coverage/", ".tsgi/", "scripts/bench/results/", "test/fixtures/", "test/export/fixtures/"],
  },
  {
    files: ["**/*.ts"],
    extends: [js.configs.recommended, ...tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: { project: "./tsconfig.test.json", tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // node:test's test()/describe()/it() return promises the runner itself awaits.
      "@typescript-eslint/no-floating-promises": [
        "error",
        { allowForKnownSafeCalls: [{ from: "package", package: "node:test", name: ["test", "describe", "it", "suite"] }] },
      ],
      // Numbers in messages are the norm here ("exited with 1", "ready in 120 ms").
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
      // Off: it would turn every `(x) => resolve(x)` callback into a block; a style rule, not a bug finder.
      "@typescript-eslint/no-confusing-void-expression": "off",
      // A parameter a signature needs but the body does not is named `_x`.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // Off: tsgi has no enums (unions instead, STYLE.md), and this rule costs seconds per run all the same.
      "@typescript-eslint/no-unsafe-enum-assignment": "off",
      // Every union switched on is switched exhaustively (STYLE.md): a new state must not slip through.
      "@typescript-eslint/switch-exhaustiveness-check": ["error", { considerDefaultExhaustiveForUnions: true }],
    },
  },
  {
    // winston (imported only here) declares its transports as interfaces over the TransportStream
    // class, so its own constructors' instances look forged to this rule.
    files: ["src/logging/**/*.ts"],
    rules: { "@typescript-eslint/no-unsafe-class-instance-assignment": "off" },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    extends: [js.configs.recommended],
    // The Node globals these programs use (the `globals` package is not a dependency).
    languageOptions: {
      globals: Object.fromEntries(
        [
          "process",
          "console",
          "Buffer",
          "URL",
          "setTimeout",
          "clearTimeout",
          "setInterval",
          "clearInterval",
          "performance",
          "Request",
          "Response",
          "fetch",
        ].map((name) => [name, "readonly"]),
      ),
    },
  },
  {
    // The launcher is CommonJS (bin/package.json; bin/tsgi-supervise.js says why).
    files: ["bin/**/*.js"],
    languageOptions: { sourceType: "commonjs", globals: { require: "readonly", __dirname: "readonly" } },
  },
);
