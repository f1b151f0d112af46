#!/usr/bin/env node
// `npm run lint`: the type check and ESLint (type-aware, sharing one TypeScript program:
// scripts/lint-typed.mjs), Prettier and dependency-cruiser, run side by side (each is mostly one
// core's work) and reported one after another, with their times. Exit 1 when any fails.
// `npm run lint -- --fix` lets ESLint and Prettier fix what they can; `npm run lint -- --no-cache`
// also re-checks what tsc and Prettier remember.
import { spawn } from "node:child_process";
import path from "node:path";

const fix = process.argv.includes("--fix");
const noCache = process.argv.includes("--no-cache");
const bin = (name) => path.join("node_modules", ".bin", name);
const checks = [
  // Reports two checks, "types" and "eslint", as JSON on its stdout (the fourth element says so).
  [
    "types and eslint",
    process.execPath,
    [path.join("scripts", "lint-typed.mjs"), ...(fix ? ["--fix"] : []), ...(noCache ? ["--no-cache"] : [])],
    true,
  ],
  // --cache remembers files found formatted (by content); --no-cache checks them all.
  [
    "prettier",
    bin("prettier"),
    [fix ? "--write" : "--check", "--log-level", "warn", ...(noCache ? [] : ["--cache", "--cache-strategy", "content"]), "."],
  ],
  ["imports", bin("depcruise"), ["src", "kit", "test", "scripts", "--config", ".dependency-cruiser.cjs", "--output-type", "err"]],
];

const started = performance.now();
const perCheck = await Promise.all(
  checks.map(
    ([name, command, args, reportsJson = false]) =>
      new Promise((resolve) => {
        const t0 = performance.now();
        const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        let errors = "";
        child.stdout.on("data", (chunk) => (output += chunk));
        child.stderr.on("data", (chunk) => (errors += chunk));
        const done = (code, more = "") => {
          const ms = performance.now() - t0;
          const own = [{ name, code: code === 0 ? 0 : 1, output: `${output}${errors}${more}`, ms }];
          // A JSON report that cannot be read is that check's own failure.
          if (!reportsJson || code !== 0) return resolve(own);
          try {
            resolve(JSON.parse(output));
          } catch {
            resolve([{ ...own[0], code: 1 }]);
          }
        };
        child.on("error", (error) => done(1, `${error.message}\n`));
        child.on("close", (code) => done(code ?? 1));
      }),
  ),
);
const results = perCheck.flat();
for (const { name, code, output, ms } of results) {
  const verdict = code === 0 ? "ok" : "FAILED";
  process.stdout.write(`lint ${name}: ${verdict} (${(ms / 1000).toFixed(1)} s)\n`);
  if (code !== 0 && output.trim() !== "") process.stdout.write(`${output.trimEnd()}\n`);
}
process.stdout.write(`lint: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
process.exitCode = results.every((r) => r.code === 0) ? 0 : 1;
