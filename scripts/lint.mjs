#!/usr/bin/env node
// `npm run lint`: the type check, ESLint (type-aware), Prettier and dependency-cruiser, run side
// by side (each is mostly one core's work) and reported one after another, with their times.
// Exit 1 when any fails. `npm run lint -- --fix` lets ESLint and Prettier fix what they can;
// `npm run lint -- --no-cache` also re-checks what tsc and Prettier remember.
import { spawn } from "node:child_process";
import path from "node:path";

const fix = process.argv.includes("--fix");
const noCache = process.argv.includes("--no-cache");
const bin = (name) => path.join("node_modules", ".bin", name);
const checks = [
  // Incremental: a second run re-checks only what changed, and the build info tracks what
  // depends on what, so it is exact.
  [
    "types",
    bin("tsc"),
    [
      "-p",
      "tsconfig.test.json",
      "--noEmit",
      ...(noCache ? [] : ["--incremental", "--tsBuildInfoFile", "node_modules/.cache/tsgi/tsc-test.tsbuildinfo"]),
    ],
  ],
  // Not cached: a type-aware rule's verdict on a file can change when a file it imports changes
  // (a function that starts returning a promise makes its unchanged callers' calls float).
  ["eslint", bin("eslint"), [".", ...(fix ? ["--fix"] : [])]],
  // --cache remembers files found formatted (by content); --no-cache checks them all.
  [
    "prettier",
    bin("prettier"),
    [fix ? "--write" : "--check", "--log-level", "warn", ...(noCache ? [] : ["--cache", "--cache-strategy", "content"]), "."],
  ],
  ["imports", bin("depcruise"), ["src", "kit", "test", "scripts", "--config", ".dependency-cruiser.cjs", "--output-type", "err"]],
];

const started = performance.now();
const results = await Promise.all(
  checks.map(
    ([name, command, args]) =>
      new Promise((resolve) => {
        const t0 = performance.now();
        const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        child.stdout.on("data", (chunk) => (output += chunk));
        child.stderr.on("data", (chunk) => (output += chunk));
        child.on("error", (error) => resolve({ name, code: 1, output: `${output}${error.message}\n`, ms: performance.now() - t0 }));
        child.on("close", (code) => resolve({ name, code: code ?? 1, output, ms: performance.now() - t0 }));
      }),
  ),
);
for (const { name, code, output, ms } of results) {
  const verdict = code === 0 ? "ok" : "FAILED";
  process.stdout.write(`lint ${name}: ${verdict} (${(ms / 1000).toFixed(1)} s)\n`);
  if (code !== 0 && output.trim() !== "") process.stdout.write(`${output.trimEnd()}\n`);
}
process.stdout.write(`lint: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
process.exitCode = results.every((r) => r.code === 0) ? 0 : 1;
