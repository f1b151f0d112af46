/**
 * A site that cannot load: the worker writes one `error` message naming the file and line
 * when there is one, never `ready`, and exits 1.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import type { NotifyMessage } from "../../src/protocol/notify.js";
import { FIXTURES, type Worker } from "./harness.js";
import { useRig, type Rig } from "./rig.js";

const rig = useRig();

type ErrorMessage = Extract<NotifyMessage, { type: "error" }>;

/** Starts the worker, expects it to fail to load, and returns its error message. */
async function expectLoadFailure(
  r: Rig,
  app: string,
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<{ error: ErrorMessage; worker: Worker }> {
  const worker = r.start({ socket: r.socket(), app, ...options });
  const exit = await worker.waitForExit();
  assert.deepEqual(exit, { code: 1, signal: null }, worker.describe());
  assert.equal(worker.message("ready"), undefined, "never ready");
  const errors = worker.messages.filter((m): m is ErrorMessage => m.type === "error");
  assert.equal(errors.length, 1, worker.describe());
  const [error] = errors;
  assert.ok(error !== undefined);
  return { error, worker };
}

function siteWith(t: TestContext, files: Record<string, string>): string {
  const site = mkdtempSync(join(tmpdir(), "tsgi-broken-site-"));
  t.after(() => rmSync(site, { recursive: true, force: true }));
  writeFileSync(join(site, "package.json"), JSON.stringify({ type: "module" }));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(site, name), text);
  return site;
}

describe("worker load failures", () => {
  // Generated, not a fixture: a TypeScript file with a syntax error would break `tsc` on test/.
  it("names file, line and column of a TypeScript syntax error", async (t) => {
    const site = siteWith(t, {
      "app.ts": 'import { helper } from "./helper.ts";\nexport default (r: Request) => new Response(helper());\n',
      "helper.ts": "export function helper(): string {\n  return 'x';\n  const broken: number = (;\n}\n",
    });
    const { error, worker } = await expectLoadFailure(rig, "app.ts", { cwd: site });
    assert.equal(error.file, join(site, "helper.ts"));
    assert.equal(error.line, 3);
    assert.equal(error.column, 27);
    assert.match(error.message, /^SyntaxError: Unexpected ";"/);
    assert.match(worker.stderr, /helper\.ts:3:27: SyntaxError/);
  });

  it("names the imported JavaScript file and line of an ES module syntax error", async () => {
    const { error } = await expectLoadFailure(rig, "syntax-error-app.mjs");
    assert.equal(error.file, join(FIXTURES, "syntax-error-lib.mjs"));
    assert.equal(error.line, 3);
    assert.equal(error.column, 24);
    assert.match(error.message, /^SyntaxError: Unexpected token ';'/);
  });

  it("names the file and line of a CommonJS syntax error", async (t) => {
    const site = siteWith(t, { "app.cjs": "module.exports = (req) => {\n  return new Response(;\n};\n" });
    const { error } = await expectLoadFailure(rig, "app.cjs", { cwd: site });
    assert.equal(error.file, join(site, "app.cjs"));
    assert.equal(error.line, 2);
    assert.match(error.message, /SyntaxError/);
  });

  it("says which exports exist and what is expected when the application is missing", async () => {
    const { error } = await expectLoadFailure(rig, "missing-export-app.ts");
    assert.equal(error.file, join(FIXTURES, "missing-export-app.ts"));
    assert.match(error.message, /^no application exported/);
    assert.match(error.message, /`application` export or a default export/);
    assert.match(error.message, /Fetch handler/);
    assert.match(error.message, /it exports helper, notTheApp/);
  });

  it("names the line that threw while the app loaded", async () => {
    const { error } = await expectLoadFailure(rig, "throws-at-load-app.ts");
    assert.equal(error.file, join(FIXTURES, "throws-at-load-app.ts"));
    assert.equal(error.line, 3);
    assert.equal(error.message, "Error: cannot start: database unreachable");
  });

  it("reports an exception thrown outside the import while the app still loads", async (t) => {
    const site = siteWith(t, {
      "app.ts":
        "const pause = () => new Promise((resolve) => setTimeout(resolve, 50));\n" +
        "setTimeout(() => {\n  throw new Error('late boom');\n}, 0);\n" +
        "await pause();\n" +
        "export default () => new Response('never served');\n",
    });
    const { error } = await expectLoadFailure(rig, "app.ts", { cwd: site });
    assert.equal(error.message, "Error: late boom");
    assert.equal(error.file, join(site, "app.ts"));
    assert.equal(error.line, 3);
  });

  it("names the importing file when an import is missing", async (t) => {
    const site = siteWith(t, { "app.ts": 'import { x } from "./nope.js";\nexport default () => new Response(x);\n' });
    const { error } = await expectLoadFailure(rig, "app.ts", { cwd: site });
    assert.equal(error.file, join(site, "app.ts"));
    assert.match(error.message, /nope/);
  });

  it("says where it looked for a settings module that does not exist", async () => {
    const { error } = await expectLoadFailure(rig, "fetch-app.ts", { env: { TSGI_SETTINGS_MODULE: "fixsettings.prod" } });
    assert.match(error.message, /settings module fixsettings\.prod \(from TSGI_SETTINGS_MODULE\) not found/);
    assert.ok(error.message.includes(join(FIXTURES, "fixsettings/prod")), error.message);
  });

  it("names an app module that does not exist", async () => {
    const { error } = await expectLoadFailure(rig, "no-such-app.ts");
    assert.equal(error.message, `app module ${join(FIXTURES, "no-such-app.ts")} does not exist`);
  });

  it("says what a middleware module exports when it has no middleware function", async () => {
    const { error } = await expectLoadFailure(rig, "fetch-app.ts", {
      env: { TSGI_MIDDLEWARE: JSON.stringify([join(FIXTURES, "greeting.ts")]) },
    });
    assert.equal(error.file, join(FIXTURES, "greeting.ts"));
    assert.match(error.message, /exports no function: expected a default or `middleware` export/);
    assert.match(error.message, /it exports greet/);
  });
});
