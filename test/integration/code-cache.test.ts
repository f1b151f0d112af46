/**
 * The bundled build's run path (`dist/bundle/run.cjs`) comes with a code cache that a fresh
 * Node process takes, under the V8 flags `run` sets before loading it: the build made it with a
 * real start (`scripts/build.mjs`), and it holds that whole start-up (written once the site had
 * started: `run.ts` calls the loader's `startedUp`). Needs `npm run build`.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const RUN_CJS = path.join(ROOT, "dist/bundle/run.cjs");

it("a fresh process loads the bundled run path through the build's code cache", () => {
  assert.ok(fs.existsSync(RUN_CJS), "dist/bundle/run.cjs (npm run build)");
  const loader = pathToFileURL(path.join(ROOT, "dist/cli/code-cache.js")).href;
  const controls = pathToFileURL(path.join(ROOT, "dist/runtime/v8-controls.js")).href;
  // As `run` does (cli/entry.ts): V8 takes a cache only under the flags it was made with.
  const script = `(await import(${JSON.stringify(controls)})).holdDuringStartUp();
const { requireWithCodeCache } = await import(${JSON.stringify(loader)});
const loaded = requireWithCodeCache(${JSON.stringify(RUN_CJS)});
console.log(JSON.stringify({ cache: loaded.cache, extent: loaded.extent, exports: Object.keys(loaded.exports) }));`;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    encoding: "utf8",
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  assert.deepEqual(JSON.parse(out), { cache: "accepted", extent: "start-up", exports: ["runCommand"] });
});
