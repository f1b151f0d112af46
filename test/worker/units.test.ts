/**
 * The worker's pure parts, without processes: telling applications apart, reading exports,
 * finding settings files, parsing error locations, and the stop-signal state machine.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { describeLoadError } from "../../src/worker/describe-error.js";
import type { Drainable } from "../../src/worker/drain.js";
import { findApplication, settle } from "../../src/worker/find-application.js";
import { parseMiddlewareList } from "../../src/worker/middleware.js";
import { exportNamed, moduleValue } from "../../src/worker/module-exports.js";
import { findSettingsFile } from "../../src/worker/settings.js";
import { installStopSignals, parseStopSignal } from "../../src/worker/stop-signals.js";
import { parseDecoratedSyntaxError } from "../../src/worker/syntax-check.js";

function kindOf(application: unknown, wraps?: "fetch" | "node"): string {
  const settled = settle(application, undefined, wraps, "it", undefined);
  return settled.ok ? settled.value.kind : `error: ${settled.failure.message}`;
}

describe("telling applications apart", () => {
  it("follows the documented rules", () => {
    assert.equal(kindOf({ fetch: () => new Response() }), "fetch");
    assert.equal(
      kindOf((_request: Request) => new Response()),
      "fetch",
    );
    assert.equal(
      kindOf((_req: unknown, _res: unknown) => undefined),
      "node",
    );
    assert.equal(kindOf(Object.assign(() => undefined, { handle: () => undefined })), "node");
    assert.equal(
      kindOf(() => new Response()),
      "fetch",
    );
    assert.equal(
      kindOf((...args: unknown[]) => args, "node"),
      "node",
    );
  });

  it("lets the module's `kind` export decide", () => {
    const namespace = { default: (..._args: unknown[]) => undefined, kind: "node" };
    const found = findApplication(namespace, "/app.ts");
    assert.ok(found.ok);
    assert.equal(found.value.kind, "node");
    const bad = findApplication({ default: () => undefined, kind: "express" }, "/app.ts");
    assert.ok(!bad.ok);
    assert.match(bad.failure.message, /`kind` is "express"; expected "fetch" or "node"/);
  });

  it("prefers `application` over `default`, and explains what is not an application", () => {
    const application = (_request: Request) => new Response("a");
    const found = findApplication({ application, default: "something else" }, "/app.ts");
    assert.ok(found.ok);
    assert.equal(found.value.original, application);
    assert.match(kindOf(42), /is a number, not an application/);
    assert.match(kindOf({ callback: () => undefined, listen: () => undefined }), /export app\.callback\(\) instead/);
  });
});

describe("reading exports", () => {
  it("sees through tsx's CommonJS output and module.exports objects", () => {
    const transpiled = { default: Object.defineProperty({ application: 1, kind: "node" }, "__esModule", { value: true }) };
    assert.equal(exportNamed(transpiled, "kind"), "node");
    assert.equal(exportNamed({ default: { middleware: 2 } }, "middleware"), 2);
  });

  it("takes settings from named exports, or from a lone default", () => {
    assert.deepEqual(moduleValue({ DEBUG: true, NAME: "x" }), { DEBUG: true, NAME: "x" });
    const config = { DEBUG: false };
    assert.equal(moduleValue({ default: config }), config);
    assert.equal(moduleValue({ default: config, DEBUG: false }), config, "CommonJS mirror");
  });
});

describe("finding the settings file", () => {
  it("maps a dotted name to a file or a package index, and says where it looked", (t) => {
    const cwd = mkdtempSync(join(tmpdir(), "tsgi-settings-"));
    t.after(() => rmSync(cwd, { recursive: true, force: true }));
    mkdirSync(join(cwd, "beta/settings/prod"), { recursive: true });
    writeFileSync(join(cwd, "beta/settings/dev.mjs"), "export const A = 1;\n");
    writeFileSync(join(cwd, "beta/settings/prod/index.json"), "{}\n");

    const dev = findSettingsFile({ variable: "TSGI_SETTINGS_MODULE", name: "beta.settings.dev" }, cwd);
    assert.deepEqual(dev, { ok: true, value: join(cwd, "beta/settings/dev.mjs") });
    const prod = findSettingsFile({ variable: "TSGI_SETTINGS_MODULE", name: "beta.settings.prod" }, cwd);
    assert.deepEqual(prod, { ok: true, value: join(cwd, "beta/settings/prod/index.json") });

    const missing = findSettingsFile({ variable: "X", name: "beta.nope" }, cwd);
    assert.ok(!missing.ok);
    assert.match(missing.failure.message, /settings module beta\.nope \(from X\) not found/);
    const invalid = findSettingsFile({ variable: "X", name: "beta..x" }, cwd);
    assert.ok(!invalid.ok);
    assert.match(invalid.failure.message, /is not a dotted module name/);
  });
});

describe("error locations", () => {
  const noFiles = { file: "/site/app.ts", recentFiles: () => Promise.resolve([]) };

  it("reads esbuild's location and makes its column 1-based", async () => {
    const error = new Error('Transform failed with 1 error:\n/site/app.ts:2:18: ERROR: Unexpected ";"');
    assert.deepEqual(await describeLoadError(error, noFiles), {
      message: 'SyntaxError: Unexpected ";"',
      file: "/site/app.ts",
      line: 2,
      column: 19,
    });
  });

  it("reads V8's decorated form", () => {
    const text = "/site/app.cjs:2\n  return new Response(;\n                      ^\n\nSyntaxError: Unexpected token ';'\n";
    assert.deepEqual(parseDecoratedSyntaxError(text), {
      file: "/site/app.cjs",
      line: 2,
      column: 23,
      message: "SyntaxError: Unexpected token ';'",
    });
  });

  it("falls back to the module being loaded", async () => {
    const failure = await describeLoadError("a string", noFiles);
    assert.equal(failure.file, "/site/app.ts");
    assert.match(failure.message, /non-error value: a string/);
  });
});

describe("configuration from the environment", () => {
  it("parses TSGI_MIDDLEWARE", () => {
    assert.deepEqual(parseMiddlewareList(undefined), { ok: true, value: [] });
    assert.deepEqual(parseMiddlewareList('["/a.ts","pkg"]'), { ok: true, value: ["/a.ts", "pkg"] });
    assert.equal(parseMiddlewareList("/a.ts").ok, false);
    assert.equal(parseMiddlewareList("[1]").ok, false);
  });

  it("parses TSGI_STOP_SIGNAL, refusing what cannot be caught", () => {
    const warnings: string[] = [];
    const warn = (message: string): void => void warnings.push(message);
    assert.equal(parseStopSignal(undefined, warn), "SIGTERM");
    assert.equal(parseStopSignal("SIGQUIT", warn), "SIGQUIT");
    assert.equal(parseStopSignal("usr2", warn), "SIGUSR2");
    assert.equal(parseStopSignal("SIGKILL", warn), "SIGTERM");
    assert.equal(parseStopSignal("NOPE", warn), "SIGTERM");
    assert.equal(warnings.length, 2);
  });
});

describe("stop signals", () => {
  function fakeProcess() {
    const listeners = new Map<string, () => void>();
    const exits: number[] = [];
    return {
      exits,
      signals: () => [...listeners.keys()].sort(),
      send: (signal: string) => listeners.get(signal)?.(),
      on(signal: NodeJS.Signals, listener: () => void) {
        listeners.set(signal, listener);
      },
      exit(code: number) {
        exits.push(code);
      },
    };
  }

  it("exits 0 at once while loading", () => {
    const proc = fakeProcess();
    installStopSignals("SIGTERM", proc);
    assert.deepEqual(proc.signals(), ["SIGINT", "SIGTERM"]);
    proc.send("SIGINT");
    assert.deepEqual(proc.exits, [0]);
  });

  it("drains once while serving, then exits 0; repeated signals change nothing", async () => {
    const proc = fakeProcess();
    const signals = installStopSignals("SIGQUIT", proc);
    assert.deepEqual(proc.signals(), ["SIGINT", "SIGQUIT", "SIGTERM"]);
    let drains = 0;
    let finish: () => void = () => {};
    const drainable: Drainable = {
      drain: () => {
        drains += 1;
        return new Promise((resolve) => (finish = resolve));
      },
    };
    signals.serving(drainable);
    proc.send("SIGQUIT");
    proc.send("SIGTERM");
    assert.equal(drains, 1);
    assert.deepEqual(proc.exits, []);
    finish();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(proc.exits, [0]);
  });
});
