/** Whatever the file holds, loading returns a result with positions and never throws. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { formatIssues, loadConfigText } from "../../../src/config/load.js";
import { SITE_KEYS } from "../../../src/config/schema.js";
import { tempProject } from "../../unit/config/helpers.js";

const file = join(tempProject(), "sites.yaml");

function assertWellFormed(text: string): void {
  const result = loadConfigText(text, file, { env: { PATH: "/bin" } });
  if (result.ok) return;
  assert.ok(result.errors.length > 0);
  for (const error of result.errors) {
    assert.ok(error.line >= 1 && error.col >= 1, JSON.stringify(error));
    assert.ok(error.message.length > 0);
  }
  formatIssues(result.errors, text);
}

test("arbitrary text", () => {
  fc.assert(fc.property(fc.string({ maxLength: 200 }), assertWellFormed), { numRuns: 300 });
});

// JSON is YAML, so random JSON values make structurally odd but parseable configs.
const value = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom("30s", "512MB", "TERM", "127.0.0.1:80", "unix:a.sock", "a.b:c", "${X}"),
);
const siteArb = fc.dictionary(fc.constantFrom(...Object.keys(SITE_KEYS), "bogus"), value, { maxKeys: 6 });

test("configs built from real keys with random values", () => {
  fc.assert(
    fc.property(
      fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), siteArb, { maxKeys: 4 }),
      fc.option(siteArb),
      (sites, defaults) => {
        assertWellFormed(JSON.stringify({ version: 1, ...(defaults === null ? {} : { defaults }), sites }));
      },
    ),
    { numRuns: 500 },
  );
});

// Random edits of a valid file — what a person's half-finished save looks like.
const exampleFile = join(import.meta.dirname, "../../../config/sites.example.yaml");
const example = (await import("node:fs")).readFileSync(exampleFile, "utf8");

const mutation = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), text: fc.string({ maxLength: 12 }) }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    text: fc.constantFrom(":", "- ", "  ", "\t", "{", "[", "'", '"', "&a", "*a", "\n", "#", "---\n"),
  }),
  fc.record({ kind: fc.constant("swap-lines" as const), at: fc.nat(), other: fc.nat() }),
);

type Edit = { kind: string; at: number; length?: number; text?: string; other?: number };

function mutate(text: string, edits: readonly Edit[]): string {
  let out = text;
  for (const edit of edits) {
    const at = out.length === 0 ? 0 : edit.at % out.length;
    if (edit.kind === "delete") out = out.slice(0, at) + out.slice(at + (edit.length ?? 1));
    else if (edit.kind === "insert") out = out.slice(0, at) + (edit.text ?? "") + out.slice(at);
    else {
      const lines = out.split("\n");
      const a = at % lines.length;
      const b = (edit.other ?? 0) % lines.length;
      [lines[a], lines[b]] = [lines[b] ?? "", lines[a] ?? ""];
      out = lines.join("\n");
    }
  }
  return out;
}

test("random mutations of a valid config give a plan or errors with positions, never a crash", () => {
  assert.equal(loadConfigText(example, exampleFile, { env: { PATH: "/bin" } }).ok, true, "the unmutated example loads");
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (edits) => {
      const result = loadConfigText(mutate(example, edits), exampleFile, { env: { PATH: "/bin" } });
      if (result.ok) return;
      for (const error of result.errors) assert.ok(error.line >= 1 && error.col >= 1 && error.message.length > 0, JSON.stringify(error));
      formatIssues(result.errors, example);
    }),
    { numRuns: 500 },
  );
});
