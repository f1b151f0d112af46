/**
 * The worker serving real requests: Fetch, object and Express applications, middleware,
 * settings, the `loaded` report, and request-time failures.
 */
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Agent } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { FIXTURES, httpRequestTo, requestWhenListening } from "./harness.js";
import { useRig } from "./rig.js";

const rig = useRig();
const withSettings = { TSGI_SETTINGS_MODULE: "fixsettings.dev" };

describe("worker serving", () => {
  it("serves a TypeScript Fetch handler that reads settings and a local module", async () => {
    const socket = rig.socket();
    const worker = rig.start({ socket, app: "fetch-app.ts", env: withSettings });
    await worker.ready();
    assert.deepEqual(worker.message("ready"), { type: "ready", pid: worker.pid });

    const home = await httpRequestTo(socket, "/");
    assert.equal(home.status, 200);
    assert.equal(home.body, "hello, fixture-dev\n");
    assert.equal(home.headers["x-settings-name"], "fixture-dev");
    assert.equal(home.headers["x-host"], `127.0.0.1:${socket.type === "tcp" ? socket.port : 0}`);

    const settings = JSON.parse((await httpRequestTo(socket, "/settings")).body) as unknown;
    assert.deepEqual(settings, { NAME: "fixture-dev", DEBUG: true, keys: ["DEBUG", "NAME"] });
  });

  it("streams request bodies in and responses out, with repeated set-cookie headers", async () => {
    const socket = rig.socket();
    const worker = rig.start({ socket, app: "fetch-app.ts" });
    await worker.ready();

    const echo = await httpRequestTo(socket, "/echo", { method: "POST", body: "x".repeat(200_000), headers: { "x-custom": "yes" } });
    assert.equal(echo.status, 200);
    assert.equal(echo.body.length, 200_000);
    assert.equal(echo.headers["x-method"], "POST");
    assert.equal(echo.headers["x-custom"], "yes");

    const cookies = await httpRequestTo(socket, "/cookies");
    assert.deepEqual(cookies.headers["set-cookie"], ["a=1; Path=/", "b=2; Path=/"]);

    const head = await httpRequestTo(socket, "/", { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.body, "");
  });

  it("keeps a keep-alive connection usable after a request body the handler never read", async (t) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    t.after(() => agent.destroy());
    const socket = rig.socket();
    const worker = rig.start({ socket, app: "fetch-app.ts" });
    await worker.ready();
    const ignored = await httpRequestTo(socket, "/", { method: "POST", body: "x".repeat(1_000_000), agent });
    assert.equal(ignored.status, 200);
    const next = await httpRequestTo(socket, "/", { agent, timeoutMs: 3_000 });
    assert.equal(next.status, 200);
  });

  it("reports in `loaded` the app, its local imports and the settings module, not node_modules or tsgi", async () => {
    const socket = rig.socket();
    const worker = rig.start({ socket, app: "fetch-app.ts", env: withSettings });
    await worker.ready();
    const loaded = await worker.waitFor("the loaded message", () => worker.message("loaded"));
    assert.deepEqual([...loaded.files].sort(), [
      join(FIXTURES, "fetch-app.ts"),
      join(FIXTURES, "fixsettings/dev.ts"),
      join(FIXTURES, "greeting.ts"),
    ]);
    assert.ok(
      worker.messages.findIndex((m) => m.type === "ready") < worker.messages.findIndex((m) => m.type === "loaded"),
      "ready comes before loaded",
    );
  });

  it("answers 500 when the handler throws or returns no Response, logs the stack, and keeps serving", async () => {
    const socket = rig.socket();
    const worker = rig.start({ socket, app: "fetch-app.ts" });
    await worker.ready();

    const boom = await httpRequestTo(socket, "/boom");
    assert.equal(boom.status, 500);
    assert.equal(boom.body, "Internal Server Error\n");
    await worker.waitFor("the stack on stderr", () =>
      /boom from the fetch app\n\s+at .*fetch-app\.ts:\d+/.test(worker.stderr) ? true : undefined,
    );

    const notResponse = await httpRequestTo(socket, "/not-a-response");
    assert.equal(notResponse.status, 500);
    await worker.waitFor("the not-a-Response error", () => (/instead of a Response/.test(worker.stderr) ? true : undefined));

    assert.equal((await httpRequestTo(socket, "/")).status, 200);
    assert.equal(worker.exit, undefined);
  });

  it("serves an object with a fetch method, with `this` bound", async () => {
    const socket = rig.socket();
    const worker = rig.start({ socket, app: "object-app.ts" });
    await worker.ready();
    const response = await httpRequestTo(socket, "/path");
    assert.equal(response.body, "from an object /path\n");
  });

  it("serves an Express app as a Node handler, surviving sync and async route errors", async () => {
    const socket = rig.socket();
    const worker = rig.start({ socket, app: "express-app.ts" });
    await worker.ready();

    const home = await httpRequestTo(socket, "/");
    assert.equal(home.body, "hello from express\n");
    assert.equal(home.headers["x-pid"], String(worker.pid));
    assert.deepEqual(JSON.parse((await httpRequestTo(socket, "/json?a=1")).body), { path: "/json", query: { a: "1" } });
    assert.equal((await httpRequestTo(socket, "/boom")).status, 500);
    assert.equal((await httpRequestTo(socket, "/async-boom")).status, 500);
    assert.equal((await httpRequestTo(socket, "/")).status, 200);
    assert.equal(worker.exit, undefined);
  });

  it("applies middleware in order: the first listed wraps the app, the last is outermost", async () => {
    const socket = rig.socket();
    const middleware = JSON.stringify([join(FIXTURES, "mw-first.ts"), join(FIXTURES, "mw-second.ts")]);
    const worker = rig.start({ socket, app: "fetch-app.ts", env: { TSGI_MIDDLEWARE: middleware } });
    await worker.ready();
    const response = await httpRequestTo(socket, "/");
    assert.equal(response.status, 200);
    // The inner middleware appends first: `first` then `second`.
    assert.equal(response.headers["x-order"], "first, second");
    assert.equal(response.headers["x-first-saw-kind"], "fetch");

    const loaded = await worker.waitFor("the loaded message", () => worker.message("loaded"));
    assert.ok(loaded.files.includes(join(FIXTURES, "mw-shared.ts")), JSON.stringify(loaded.files));
  });

  it("resolves a middleware package name from the site's cwd, not from tsgi's folder", async (t) => {
    const site = mkdtempSync(join(tmpdir(), "tsgi-site-"));
    t.after(() => rmSync(site, { recursive: true, force: true }));
    cpSync(join(FIXTURES, "object-app.ts"), join(site, "app.ts"));
    const pkg = join(site, "node_modules/site-middleware");
    mkdirSync(pkg, { recursive: true });
    // ESM-only exports: `require.resolve` could not find it; only an import from the cwd can.
    writeFileSync(
      join(pkg, "package.json"),
      JSON.stringify({ name: "site-middleware", type: "module", exports: { import: "./index.js" } }),
    );
    writeFileSync(
      join(pkg, "index.js"),
      "export default (app) => async (request) => {\n" +
        "  const response = await app.fetch(request);\n" +
        "  return new Response(response.body, { headers: { 'x-from-package': 'yes' } });\n" +
        "};\n",
    );
    const socket = rig.socket();
    const worker = rig.start({ socket, cwd: site, app: "app.ts", env: { TSGI_MIDDLEWARE: '["site-middleware"]' } });
    await worker.ready();
    const response = await httpRequestTo(socket, "/x");
    assert.equal(response.headers["x-from-package"], "yes");
    assert.equal(response.body, "from an object /x\n");
  });

  it("reads the settings variable named by TSGI_SETTINGS_VAR", async () => {
    const socket = rig.socket();
    const worker = rig.start({
      socket,
      app: "fetch-app.ts",
      env: { TSGI_SETTINGS_VAR: "MY_SETTINGS", MY_SETTINGS: "fixsettings.dev" },
    });
    await worker.ready();
    assert.equal((await httpRequestTo(socket, "/")).headers["x-settings-name"], "fixture-dev");
  });

  // Outside this repository `import "tsgi"` cannot resolve by itself (no node_modules, no
  // self-reference): only the worker's resolve hooks make it work, for ESM and CommonJS alike.
  for (const packageType of ["module", "commonjs"] as const) {
    it(`imports settings from "tsgi" where tsgi is not installed (${packageType} package)`, async (t) => {
      const site = mkdtempSync(join(tmpdir(), "tsgi-site-"));
      t.after(() => rmSync(site, { recursive: true, force: true }));
      for (const file of ["fetch-app.ts", "greeting.ts", "fixsettings"]) {
        cpSync(join(FIXTURES, file), join(site, file), { recursive: true });
      }
      writeFileSync(join(site, "package.json"), JSON.stringify({ name: "some-site", type: packageType }));

      const socket = rig.socket();
      const worker = rig.start({ socket, cwd: site, app: "fetch-app.ts", env: withSettings });
      await worker.ready();
      const response = await httpRequestTo(socket, "/");
      assert.equal(response.body, "hello, fixture-dev\n");
      const loaded = await worker.waitFor("the loaded message", () => worker.message("loaded"));
      assert.deepEqual([...loaded.files].sort(), [join(site, "fetch-app.ts"), join(site, "fixsettings/dev.ts"), join(site, "greeting.ts")]);
    });
  }

  it("gives an empty frozen settings object when no settings module is named", async () => {
    const socket = rig.socket();
    const worker = rig.start({ socket, app: "fetch-app.ts" });
    await worker.ready();
    const settings = JSON.parse((await httpRequestTo(socket, "/settings")).body) as unknown;
    assert.deepEqual(settings, { keys: [] });
  });

  it("serves without a notify pipe when run by hand", async () => {
    const socket = rig.socket();
    const worker = rig.start({ socket, app: "object-app.ts", noNotify: true });
    // No ready message can come: retry while the bound socket still refuses connections.
    const response = await requestWhenListening(socket, "/by-hand");
    assert.equal(response.body, "from an object /by-hand\n");
    assert.equal(worker.exit, undefined);
  });
});
