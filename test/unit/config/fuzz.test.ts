/** Whatever the file holds, loading returns a result with positions and never throws. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { formatIssues, loadConfigText } from "../../../src/config/load.js";
import { SITE_KEYS } from "../../../src/config/schema.js";
import { tempProject } from "./helpers.js";

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
const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom("30s", "512MB", "TERM", "127.0.0.1:80", "unix:a.sock", "a.b:c", "${X}"));
const siteArb = fc.dictionary(fc.constantFrom(...Object.keys(SITE_KEYS), "bogus"), value, { maxKeys: 6 });

test("configs built from real keys with random values", () => {
  fc.assert(
    fc.property(fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), siteArb, { maxKeys: 4 }), fc.option(siteArb), (sites, defaults) => {
      assertWellFormed(JSON.stringify({ version: 1, ...(defaults === null ? {} : { defaults }), sites }));
    }),
    { numRuns: 500 },
  );
});
