/**
 * Reading a site's imports before running any of it: TypeScript reached, `"tsgi"` imported,
 * and which module hooks that calls for.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { hookModeFor, scanSiteGraph, type SiteGraph } from "../../src/worker/site-graph.js";

function site(t: TestContext, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "tsgi-graph-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe("the site graph", () => {
  it("follows static, dynamic and require imports, relative only, and finds no TypeScript in plain JavaScript", (t) => {
    const dir = site(t, {
      "app.mjs": 'import { a } from "./lib/a.mjs";\nimport express from "express";\nconst b = await import("./b.js");\n',
      "lib/a.mjs": 'export * from "../c.cjs";\nexport const a = 1;\n',
      "b.js": "module.exports = require('./lib/index');\n",
      "lib/index.js": "module.exports = {};\n",
      "c.cjs": "exports.c = 1;\n",
      "unused.mjs": "export {};\n",
    });
    const graph = scanSiteGraph([join(dir, "app.mjs")]);
    assert.deepEqual(
      [...graph.files].sort(),
      ["app.mjs", "b.js", "c.cjs", "lib/a.mjs", "lib/index.js"].map((f) => join(dir, f)),
    );
    assert.equal(graph.typescript, false);
    assert.equal(graph.importsTsgi, false);
  });

  it("finds TypeScript behind a `.js` specifier and a `tsgi` import two files down", (t) => {
    const dir = site(t, {
      "app.mjs": 'import "./helper.js";\n',
      "helper.ts": "import { settings } from 'tsgi';\nexport const x: number = 1;\n",
    });
    const graph = scanSiteGraph([join(dir, "app.mjs")]);
    assert.deepEqual([...graph.files].sort(), [join(dir, "app.mjs"), join(dir, "helper.ts")]);
    assert.equal(graph.typescript, true);
    assert.equal(graph.importsTsgi, true);
  });

  it("skips entries that do not exist (the load reports those)", () => {
    assert.deepEqual(scanSiteGraph(["/nonexistent/app.mjs"]).files, []);
  });
});

describe("which hooks a site gets", () => {
  const graph = (typescript: boolean, importsTsgi: boolean): SiteGraph => ({ files: [], typescript, importsTsgi });
  const cases: [string, SiteGraph, string[], string | undefined, string][] = [
    ["plain JavaScript", graph(false, false), [], undefined, "none"],
    ["middleware by path", graph(false, false), ["./mw.mjs", "/abs/mw.mjs"], undefined, "none"],
    ["a middleware package", graph(false, false), ["some-package"], undefined, "esm"],
    ['a "tsgi" import', graph(false, true), [], undefined, "esm"],
    ["TypeScript", graph(true, false), [], undefined, "typescript"],
    ["TSGI_MODULE_HOOKS=1", graph(false, false), [], "1", "typescript"],
  ];
  for (const [what, g, middleware, forced, expected] of cases) {
    it(`${what} → ${expected}`, () => assert.equal(hookModeFor(g, middleware, forced), expected));
  }
});
