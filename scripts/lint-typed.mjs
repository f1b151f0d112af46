#!/usr/bin/env node
// The type check and ESLint's type-aware lint over one TypeScript program, for scripts/lint.mjs:
// ESLint's rules need the program tsc builds for its check, and building it twice (tsc and ESLint
// each in a process of its own) was a third of the lint's CPU (measured on 2 cores, no caches:
// lint 37 s → 30 s, 61 s → 48 s of CPU). Prints `[{ name, code, output, ms }]` for "types" and
// "eslint" as JSON on stdout and exits 0 when it could run them (their verdicts are in the JSON).
//
//   node scripts/lint-typed.mjs [--fix] [--no-cache]
import ts from "typescript";

const fix = process.argv.includes("--fix");
const noCache = process.argv.includes("--no-cache");

const { types, program } = typeCheck();
const linted = program === undefined ? [] : [await lint(program)];
process.stdout.write(JSON.stringify([types, ...linted]));

/**
 * tsc's check of tsconfig.test.json. Incremental unless --no-cache: the build info remembers what
 * was checked and what depends on what, so a second run re-checks only what a change can reach.
 */
function typeCheck() {
  const t0 = performance.now();
  const cacheOptions = noCache ? {} : { incremental: true, tsBuildInfoFile: "node_modules/.cache/tsgi/tsc-test.tsbuildinfo" };
  const configErrors = [];
  const config = ts.getParsedCommandLineOfConfigFile(
    "tsconfig.test.json",
    { noEmit: true, ...cacheOptions },
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (diagnostic) => configErrors.push(diagnostic) },
  );
  if (config === undefined) return { types: { name: "types", code: 1, output: formatted(configErrors), ms: performance.now() - t0 } };
  const builder = ts.createIncrementalProgram({
    rootNames: config.fileNames,
    options: config.options,
    configFileParsingDiagnostics: ts.getConfigFileParsingDiagnostics(config),
    projectReferences: config.projectReferences,
    host: ts.createIncrementalCompilerHost(config.options),
  });
  const diagnostics = [
    ...builder.getConfigFileParsingDiagnostics(),
    ...builder.getOptionsDiagnostics(),
    ...builder.getGlobalDiagnostics(),
    ...builder.getSyntacticDiagnostics(),
    ...builder.getSemanticDiagnostics(),
  ];
  // With noEmit this writes the build info only, as `tsc --noEmit --incremental` does.
  builder.emit();
  return {
    types: { name: "types", code: diagnostics.length === 0 ? 0 : 1, output: formatted(diagnostics), ms: performance.now() - t0 },
    program: builder.getProgram(),
  };
}

/**
 * ESLint over the tree (eslint.config.js), its type information from `program`. Not cached: a
 * type-aware rule's verdict on a file can change when a file it imports changes (a function that
 * starts returning a promise makes its unchanged callers' calls float).
 */
async function lint(program) {
  const t0 = performance.now();
  const { ESLint } = await import("eslint");
  // Not with --fix: ESLint re-parses each file after applying fixes, and the shared program still
  // holds the file's old text, so a second pass would apply old ranges to new text (seen: a fixed
  // `s as string;` lost its semicolon). Fixing, ESLint builds its own program from the project.
  const overrideConfig = fix ? {} : { files: ["**/*.ts"], languageOptions: { parserOptions: { programs: [program] } } };
  const eslint = new ESLint({ fix, overrideConfig });
  const results = await eslint.lintFiles(["."]);
  if (fix) await ESLint.outputFixes(results);
  const errors = results.reduce((sum, result) => sum + result.errorCount, 0);
  const output = await (await eslint.loadFormatter("stylish")).format(results);
  return { name: "eslint", code: errors === 0 ? 0 : 1, output, ms: performance.now() - t0 };
}

function formatted(diagnostics) {
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (name) => name,
    getCurrentDirectory: () => process.cwd(),
    getNewLine: () => "\n",
  });
}
