#!/usr/bin/env node
// Runs every test file under test/ (or under the folders given) with Node's test runner and
// tsx. Node 20 does not expand globs itself, so the files are listed here.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

// `--one-process`: every file imported by one entry in one process. The whole suite (no folders
// given) runs test/unit that way — pure code on virtual time, where starting tsx once per file
// cost more than the tests themselves (10.5 s → 2.2 s, measured) — and every other file in a
// process of its own, as those start real processes. (Grouping the other folders the same way
// was slower or no faster for each, measured.)
//
// Files at a time: one more than the cores. The files spend much of their time waiting on the
// processes they start, so on 2 cores two at a time left a core idle (CPU 77 % of 2 cores,
// tests 123 s); three kept both busy (tests 99–106 s, 182 %), four gained no more (97 s).
const concurrency = Math.min(os.availableParallelism() + 1, 8);
const args = process.argv.slice(2);
const oneProcess = args.includes("--one-process");
const given = args.filter((arg) => arg !== "--one-process");
const roots = given.length > 0 ? given : ["test"];
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
const unit = path.join("test", "unit") + path.sep;
const grouped = oneProcess ? files : given.length === 0 ? files.filter((file) => file.startsWith(unit)) : [];
let entries = files.filter((file) => !grouped.includes(file));
let temp;
if (grouped.length > 0) {
  temp = fs.mkdtempSync(path.join(os.tmpdir(), "tsgi-tests-"));
  // .mts: an ES module wherever it sits (no package.json "type" applies in the temp folder).
  const entry = path.join(temp, "unit.test.mts");
  fs.writeFileSync(entry, grouped.map((file) => `import ${JSON.stringify(pathToFileURL(path.resolve(file)).href)};\n`).join(""));
  entries = [entry, ...entries];
}
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", `--test-concurrency=${concurrency}`, "--test-timeout=180000", "--test-reporter=spec", ...entries],
  { stdio: "inherit" },
);
if (temp !== undefined) fs.rmSync(temp, { recursive: true, force: true });
process.exit(result.status ?? 1);
