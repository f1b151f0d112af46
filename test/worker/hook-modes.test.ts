/**
 * What the worker loads for a site: tsx only for TypeScript, tsgi's resolve hooks only for a
 * JavaScript site that imports "tsgi", and for plain JavaScript neither — with the loaded files
 * still reported for hot reload.
 */
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { FIXTURES, httpRequestTo } from "./harness.js";
import { useRig } from "./rig.js";

const rig = useRig();

function tempSite(t: TestContext, files: Record<string, string>): string {
  const site = mkdtempSync(join(tmpdir(), "tsgi-hooks-site-"));
  t.after(() => rmSync(site, { recursive: true, force: true }));
  writeFileSync(join(site, "package.json"), JSON.stringify({ type: "module" }));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(site, name), text);
  return site;
}

describe("module hooks by need", () => {
  it("serves plain JavaScript without tsx, and reports the app and its local imports as loaded", async () => {
    const socket = rig.socket();
    const worker = rig.start({ socket, app: "probe-app.mjs" });
    await worker.ready();
    assert.deepEqual(JSON.parse((await httpRequestTo(socket, "/")).body), { tsx: false, helper: "local import" });
    const loaded = await worker.waitFor("the loaded message", () => worker.message("loaded"));
    assert.deepEqual([...loaded.files].sort(), [join(FIXTURES, "probe-app.mjs"), join(FIXTURES, "probe-helper.mjs")]);
  });

  it("loads tsx when the app imports TypeScript, even from a JavaScript file", async (t) => {
    const site = tempSite(t, {
      "app.mjs": 'import { answer } from "./typed.js";\nexport default () => new Response(answer(2));\n',
      "typed.ts": "export const answer = (n: number): string => `typed ${n * 21}`;\n",
    });
    const socket = rig.socket();
    const worker = rig.start({ socket, cwd: site, app: "app.mjs" });
    await worker.ready();
    assert.equal((await httpRequestTo(socket, "/")).body, "typed 42");
  });

  it('maps "tsgi" for a JavaScript site that imports it where tsgi is not installed', async (t) => {
    const site = tempSite(t, {
      "app.mjs": 'import { settings } from "tsgi";\nexport default () => new Response(String(settings.NAME));\n',
      "conf.json": JSON.stringify({ NAME: "from json settings" }),
    });
    cpSync(join(FIXTURES, "probe-helper.mjs"), join(site, "probe-helper.mjs"));
    const socket = rig.socket();
    const worker = rig.start({ socket, cwd: site, app: "app.mjs", env: { TSGI_SETTINGS_MODULE: "conf" } });
    await worker.ready();
    assert.equal((await httpRequestTo(socket, "/")).body, "from json settings");
  });

  it("loads tsx for a TypeScript app (the probe's control)", async (t) => {
    const site = tempSite(t, {
      "app.ts": "export default (): Response => Response.json({ tsx: process.sourceMapsEnabled });\n",
    });
    const socket = rig.socket();
    const worker = rig.start({ socket, cwd: site, app: "app.ts" });
    await worker.ready();
    assert.deepEqual(JSON.parse((await httpRequestTo(socket, "/")).body), { tsx: true });
  });

  it("reuses tsx's compiled output on a second start (the cache under TMPDIR, keyed by content)", async (t) => {
    const site = tempSite(t, { "app.ts": "const n: number = 1;\nexport default (): Response => new Response(`v${n}`);\n" });
    const cache = mkdtempSync(join(tmpdir(), "tsgi-tmpdir-"));
    t.after(() => rmSync(cache, { recursive: true, force: true }));
    const serveOnce = async (): Promise<string> => {
      const socket = rig.socket();
      const worker = rig.start({ socket, cwd: site, app: "app.ts", env: { TMPDIR: cache } });
      await worker.ready();
      const body = (await httpRequestTo(socket, "/")).body;
      process.kill(worker.pid, "SIGTERM");
      await worker.waitForExit();
      return body;
    };
    assert.equal(await serveOnce(), "v1");
    // Mark the cached output: only a start that runs it instead of compiling afresh serves the mark.
    const entries = readdirSync(cache, { recursive: true })
      .map((name) => join(cache, String(name)))
      .filter((file) => statSync(file).isFile() && readFileSync(file, "utf8").includes("`v${"));
    assert.equal(entries.length, 1, "the first start left the app's compiled output in the cache");
    for (const file of entries) writeFileSync(file, readFileSync(file, "utf8").replace("`v${", "`cached-v${"));
    assert.equal(await serveOnce(), "cached-v1");
  });
});
