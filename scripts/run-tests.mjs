#!/usr/bin/env node
// Runs every test file under test/ (or under the folders given) with Node's test runner and
// tsx. Node 20 does not expand globs itself, so the files are listed here.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const roots = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ["test"];
const files = roots
  .flatMap((root) =>
    fs.statSync(root).isFile() ? [root] : fs.readdirSync(root, { recursive: true }).map((f) => path.join(root, String(f))),
  )
  .filter((file) => file.endsWith(".test.ts"))
  .sort();
if (files.length === 0) {
  console.error(`no test files under ${roots.join(", ")}`);
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-concurrency=2", "--test-timeout=180000", "--test-reporter=spec", ...files],
  { stdio: "inherit" },
);
process.exit(result.status ?? 1);
