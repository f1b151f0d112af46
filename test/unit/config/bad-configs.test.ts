/**
 * The corpus: each `test/fixtures/bad-configs/NAME.yaml` must fail with exactly one error,
 * at the line:col and with the message (and hint) fragments of its `NAME.expect.json` —
 * exactly one, so a typo never buries its own fix under follow-on errors.
 */
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { test } from "node:test";
import { formatIssues, loadConfig } from "../../../src/config/load.js";

const DIR = fileURLToPath(new URL("../../fixtures/bad-configs/", import.meta.url));
const ENV = { PATH: "/usr/bin:/bin", HOME: "/home/ops" };

interface Expectation {
  readonly line: number;
  readonly col: number;
  readonly message: string;
  readonly hint?: string;
}

const fixtures = readdirSync(DIR)
  .filter((name) => name.endsWith(".yaml"))
  .sort();

test("the corpus is large enough", () => {
  assert.ok(fixtures.length >= 25, `only ${fixtures.length} bad configs`);
});

for (const name of fixtures) {
  test(`bad config ${name}`, async () => {
    const file = join(DIR, name);
    const expected = JSON.parse(readFileSync(file.replace(/\.yaml$/, ".expect.json"), "utf8")) as Expectation;
    const result = await loadConfig(file, { env: ENV });
    assert.equal(result.ok, false, `${name} loaded`);
    const summary = result.errors.map((e) => `${e.line}:${e.col} ${e.message}`).join("\n");
    assert.equal(result.errors.length, 1, `expected one error, got:\n${summary}`);
    const [error] = result.errors;
    assert.ok(error !== undefined);
    assert.equal(error.file, file);
    assert.deepEqual([error.line, error.col], [expected.line, expected.col], summary);
    assert.ok(error.message.includes(expected.message), `message: ${error.message}`);
    if (expected.hint !== undefined) assert.ok(error.hint?.includes(expected.hint), `hint: ${error.hint}`);

    // Printed: file:line:col, the offending line, a caret under the column.
    const text = readFileSync(file, "utf8");
    const printed = formatIssues(result.errors, text).split("\n");
    assert.equal(printed[0], `${file}:${expected.line}:${expected.col}: ${error.message}`);
    const sourceLine = text.split("\n")[expected.line - 1] ?? "";
    if (sourceLine.trim() !== "") {
      assert.ok(printed[1]?.endsWith(`| ${sourceLine.trimEnd()}`), printed[1]);
      const caretRow = printed[2] ?? "";
      const bar = caretRow.indexOf("| ");
      assert.equal(caretRow.slice(bar + 2), `${" ".repeat(expected.col - 1)}^`);
    }
    if (error.hint !== undefined) assert.equal(printed.at(-1), `  hint: ${error.hint}`);
  });
}
