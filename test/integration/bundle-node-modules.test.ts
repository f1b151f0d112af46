/**
 * The run path's imports of Node's own modules share the module instead of copying it
 * (`scripts/build.mjs` `nodeModuleImports`): esbuild's `__toESM` would give each import one
 * getter per property of the module, thousands of closures at every start.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { it } from "node:test";
import { fileURLToPath } from "node:url";

const RUN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../dist/bundle/run.cjs");

it("run.cjs imports Node's modules without a copy of each", () => {
  const source = fs.readFileSync(RUN, "latin1");
  assert.deepEqual(source.match(/__toESM\(require\("node:[^"]+"\)/g) ?? [], []);
  assert.match(source, /__tsgiNodeModule\(require\("node:fs"\)\)/);
});
