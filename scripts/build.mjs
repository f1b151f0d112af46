#!/usr/bin/env node
// `npm run build`: tsc compiles src/ to dist/ (the library, its types, the worker), then esbuild
// bundles the command line into dist/bundle/ — one file per command, loaded lazily as before
// (code splitting keeps `status` from loading the supervisor). Resolving and reading ~250
// modules of dependencies was most of the supervisor's start-up (measured: 140 ms → 50 ms to
// load the run path, 67 → 54 MiB), and a smaller process forks faster.
//
// dist/bundle/ sits one folder below dist/ like dist/cli/, so every `new URL("../…",
// import.meta.url)` in src/ (the worker's path, package.json) points at the same file bundled
// or not.
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import os from "node:os";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const bin = (pkg, file) => path.join(root, "node_modules", pkg, file);

// A build whose inputs have not changed since the last one is skipped: `npm ci` builds (the
// prepare script) and `npm test` builds again (pretest), ~9 s of a clean run's ~2.5 min for the
// same files. `--force` builds anyway. The stamp is removed before a build and written after it,
// so a build that failed half-way is never taken for a finished one.
const stamp = path.join(root, "dist", ".build-inputs");
const inputs = inputsHash();
const outputs = ["cli/main.js", "bundle/entry.cjs", "bundle/main.js", "bundle/run.cjs", "worker/main.js"].map((file) =>
  path.join(root, "dist", file),
);
if (!process.argv.includes("--force") && readOr(stamp) === inputs && outputs.every((file) => fs.existsSync(file))) {
  console.log("build: dist/ is up to date with its inputs (npm run build -- --force builds anyway)");
  process.exit(0);
}
fs.rmSync(stamp, { force: true });

execFileSync(process.execPath, [bin("typescript", "bin/tsc"), "-p", "tsconfig.json"], { cwd: root, stdio: "inherit" });

const { build } = await import(pathToEsbuild());
const runThroughCodeCache = { name: "run-through-code-cache", setup: runThroughCodeCacheSetup };
const lazyStandardStreams = { name: "lazy-standard-streams", setup: lazyStandardStreamsSetup };
const out = path.join(root, "dist", "bundle");
/** What `nodeModuleImports` rewrites each import of a Node module to call, in each CommonJS bundle's banner. */
const NODE_MODULE_HELPER = "const __tsgiNodeModule = (m) => ({ __proto__: m, default: m });";
/**
 * run.cjs's Node modules its start path never calls, each required on its first use instead of
 * when the bundle loads (`nodeModuleImports`): node:fs/promises (with the readline and watcher
 * modules it loads) and node:timers/promises, ~2.6 ms of a bare node's time, which the modules
 * bundled with them import at their top.
 */
const LAZY_NODE_MODULES = ["node:fs/promises", "node:timers/promises"];
const LAZY_NODE_MODULE_HELPER =
  'const __tsgiLazyNodeModule = (id) => { let m; const load = () => (m ??= require(id)); return new Proxy({}, { get: (_, key) => (key === "default" ? load() : load()[key]), has: (_, key) => key in load() }); };';
fs.rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: { main: path.join(root, "dist", "cli", "main.js") },
  outdir: out,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // Native or self-locating packages stay where npm put them: koffi loads a prebuilt binary,
  // tsx registers loaders by file path; fsevents exists on macOS only.
  external: ["koffi", "tsx", "tsx/*", "fsevents"],
  // CommonJS dependencies (winston, yaml's helpers…) call require() for Node's own modules.
  banner: { js: 'import { createRequire as __tsgiRequire } from "node:module"; const require = __tsgiRequire(import.meta.url);' },
  // Chunks beside the entry, at the same depth (see above).
  chunkNames: "[name]-[hash]",
  legalComments: "none",
  minifySyntax: true,
  logLevel: "warning",
  plugins: [runThroughCodeCache, lazyStandardStreams],
});

// The control commands (status, reload NAME, …) and the way into the run path, one CommonJS
// file that bin/ requires before anything else (src/cli/entry.ts says why). The config loader,
// the control commands' fallback for a file they cannot read quickly, stays out: it is
// imported from dist/config/ when needed.
await build({
  entryPoints: { entry: path.join(root, "dist", "cli", "entry.js") },
  outdir: out,
  outExtension: { ".js": ".cjs" },
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  external: ["../config/load.js"],
  // Node's modules without esbuild's getter copies, as in run.cjs (`nodeModuleImports`).
  banner: { js: `"use strict"; ${NODE_MODULE_HELPER}` },
  legalComments: "none",
  minifySyntax: true,
  logLevel: "warning",
});
const entryCjs = path.join(out, "entry.cjs");
fs.writeFileSync(entryCjs, nodeModuleImports(fs.readFileSync(entryCjs, "utf8")));

// The run path once more, as one CommonJS file: unlike an ES module it can be compiled with V8's
// code cache (src/cli/run-bundled.ts, code-cache.ts), which halves the time its modules take to
// load. `import.meta.url` becomes the file's own URL, in the same folder as the chunks above.
await build({
  entryPoints: [path.join(root, "dist", "cli", "run.js")],
  outfile: path.join(out, "run.cjs"),
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  // Packages only the optional parts load (the router, supervisor.http and its metrics, --watch)
  // stay in node_modules, required when first used: one file holding them too would cost every
  // supervisor their parsed form (measured: +4 MiB RSS at 20 sites for ~400 KB more source).
  // CommonJS ones only: an import() from the code-cached script would print an ExperimentalWarning.
  external: ["koffi", "tsx", "tsx/*", "fsevents", "prom-client", "http-proxy-3"],
  define: { "import.meta.url": "__tsgiModuleUrl" },
  banner: {
    js: `"use strict"; const __tsgiModuleUrl = require("node:url").pathToFileURL(__filename).href; ${NODE_MODULE_HELPER} ${LAZY_NODE_MODULE_HELPER}`,
  },
  legalComments: "none",
  minifySyntax: true,
  // V8 keeps the source of a script for lazy compilation: 1.26 -> 0.92 MB of it resident in every
  // supervisor (measured, 20 sites: RSS -0.5 MiB). Names stay, so a stack trace still reads.
  minifyWhitespace: true,
  logLevel: "warning",
  plugins: [lazyStandardStreams],
});
// Before its build line: the hash is of what is loaded.
asciiOnly(out);
// Its first line names this build, so a code cache made from another build is never taken.
// Read as latin1: esbuild writes ASCII only.
const runCjs = path.join(out, "run.cjs");
const runSource = nodeModuleImports(fs.readFileSync(runCjs, "latin1"), LAZY_NODE_MODULES);
if (/\bimport\(/.test(runSource))
  throw new Error("build: run.cjs has an import(): bundle that package, or leave it external only if it is CommonJS");
// Wrapped as Node wraps a CommonJS file, so that the loader compiles the file's text as it is.
// The build line and the wrapper are the loader's own (dist/cli/code-cache.js, compiled above).
const { BUILD_LINE, wrapModule, cacheExtentOf } = await import(pathToFileURL(path.join(root, "dist", "cli", "code-cache.js")).href);
fs.writeFileSync(runCjs, `${BUILD_LINE}${createHash("sha256").update(runSource).digest("hex").slice(0, 32)}\n${wrapModule(runSource)}`);

// The worker, bundled into one file of its own in place (scripts/bundle-worker.ts says why).
execFileSync(process.execPath, ["--import", "tsx", path.join(root, "scripts", "bundle-worker.ts")], { cwd: root, stdio: "inherit" });

await warmCodeCache();
fs.writeFileSync(stamp, inputs);

/**
 * What the build reads, hashed: src/ and the build's own scripts and settings, the packages it
 * bundles (through the lock file), and the Node that compiles the code cache.
 */
function inputsHash() {
  const hash = createHash("sha256").update(`${process.version} ${process.arch}\n`);
  const files = [
    ...fs
      .readdirSync(path.join(root, "src"), { recursive: true })
      .map((name) => path.join("src", String(name)))
      .filter((name) => fs.statSync(path.join(root, name)).isFile()),
    "bin/tsgi-supervise.js",
    "scripts/build.mjs",
    "scripts/bundle-worker.ts",
    "tsconfig.json",
    "package.json",
    "package-lock.json",
  ].sort();
  for (const name of files)
    hash
      .update(`${name}\n`)
      .update(readOr(path.join(root, name)) ?? "(none)")
      .update("\n");
  return hash.digest("hex");
}

function readOr(file) {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/**
 * One real start of a one-site supervisor, so the build ships the run path's code cache
 * (`run.cjs.cache`, made by the start itself once its site has started, with all that start-up
 * compiled): the first start after a build is as quick as the next. Without it (this fails,
 * another Node) the first start makes the cache instead.
 */
async function warmCodeCache() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsgi-build-warm-"));
  const cache = path.join(out, "run.cjs.cache");
  fs.writeFileSync(
    path.join(dir, "sites.yaml"),
    `version: 1\nsupervisor:\n  logs: false\n  control: ./control.sock\nsites:\n  warm:\n    command: [${JSON.stringify(process.execPath)}, -e, "setInterval(() => {}, 1000)"]\n`,
  );
  const child = spawn(process.execPath, [path.join(root, "bin", "tsgi-supervise.js"), "run", "sites.yaml"], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: "1", TSGI_CGROUP: "off" },
    stdio: "ignore",
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  try {
    const deadline = Date.now() + 20_000;
    const startedUp = () => fs.existsSync(cache) && cacheExtentOf(runCjs) === "start-up";
    while (!startedUp() && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (!startedUp()) console.warn("build: no code cache of a whole start-up for the run path (the first start makes one)");
  } finally {
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(killer);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * esbuild gives every default or namespace import of a Node module its own copy of the module,
 * one getter per property (`__toESM`): the run path's 56 imports of node:fs, node:path,
 * node:process… made ~3 300 closures and their contexts at every start (measured, 20 sites:
 * ~0.5 MiB of heap, ~2 ms of start-up in `__copyProps`). A Node module needs no copy: an object
 * whose prototype is the module reads the same properties, live, and `default` is the module —
 * all the bundle reads of them (`__tsgiNodeModule`, in run.cjs's and entry.cjs's banners; for
 * entry.cjs's six imports, measured: a `status` command 0.5–0.8 ms sooner, medians of 40).
 * The modules in `lazy` become a stand-in that requires the module on its first property read.
 */
function nodeModuleImports(source, lazy = []) {
  const rewritten = source
    .replace(/__toESM\(require\("(node:[a-z0-9_/]+)"\)(?:,\s*1)?\)/g, (_, id) =>
      lazy.includes(id) ? `__tsgiLazyNodeModule("${id}")` : `__tsgiNodeModule(require("${id}"))`,
    )
    .replace(/\brequire\("(node:[a-z0-9_/]+)"\)/g, (call, id) => (lazy.includes(id) ? `__tsgiLazyNodeModule("${id}")` : call));
  if (/__toESM\(require\("node:/.test(rewritten))
    throw new Error("build: an import of a Node module in a CommonJS bundle has a form nodeModuleImports does not know");
  return rewritten;
}

/**
 * execa reads `process.stdin`, `stdout` and `stderr` when its module loads, to know them again
 * (`lib/utils/standard-stream.js`), and reads `process.stdin` again to find each file
 * descriptor's direction before every spawn (`lib/stdio/direction.js`). Node makes
 * `process.stdin` on its first read: with stdin on /dev/null (a service, the benchmarks) an
 * fs.ReadStream, whose module loads node:fs/promises and readline with it (~3 ms of the
 * supervisor's start-up before its first spawn, measured with --cpu-prof), and the supervisor
 * never reads its own stdin. In the bundles each standard stream is read when execa first
 * looks at it, and a number is never taken for process.stdin: the answers are the same, live.
 * The build stops if execa's lines are no longer the ones this replaces.
 */
function lazyStandardStreamsSetup(b) {
  // Here, not at the module's top: the builds above run (top-level await) before that would be set.
  const rewrites = {
    "utils/standard-stream.js": [
      "export const STANDARD_STREAMS = [process.stdin, process.stdout, process.stderr];",
      "export const STANDARD_STREAMS = Object.defineProperties([], { 0: { get: () => process.stdin, enumerable: true }, 1: { get: () => process.stdout, enumerable: true }, 2: { get: () => process.stderr, enumerable: true } });",
    ],
    "stdio/direction.js": [
      "if ([0, process.stdin].includes(value)) {",
      "if (value === 0 || (typeof value === 'object' && value === process.stdin)) {",
    ],
  };
  b.onLoad({ filter: /[\\/]execa[\\/]lib[\\/](utils[\\/]standard-stream|stdio[\\/]direction)\.js$/ }, (args) => {
    const [line, lazy] = rewrites[args.path.split(path.sep).slice(-2).join("/")] ?? [];
    const source = fs.readFileSync(args.path, "utf8");
    if (line === undefined || !source.includes(line))
      throw new Error(`build: ${args.path} no longer holds the line lazyStandardStreams replaces; look at it again`);
    return { contents: source.replace(line, lazy), loader: "js" };
  });
}

/** In the bundle, main's `import("./run.js")` loads run-bundled.js instead (the CommonJS run path). */
function runThroughCodeCacheSetup(b) {
  b.onResolve({ filter: /^\.\/run\.js$/ }, (args) =>
    args.importer === path.join(root, "dist", "cli", "main.js") ? { path: path.join(root, "dist", "cli", "run-bundled.js") } : undefined,
  );
}

/**
 * V8 keeps each module's source for lazy compilation, as one byte per character only if every
 * character is Latin-1; one "→" in a comment doubles it (measured: the run chunk held 905 KB for
 * 452 KB of file). esbuild already escapes non-ASCII in code (its default charset), so what is
 * left is in the comments it keeps, where an escape is as readable.
 */
function asciiOnly(dir) {
  for (const name of fs.readdirSync(dir)) {
    if (!name.endsWith(".js") && !name.endsWith(".cjs")) continue;
    const file = path.join(dir, name);
    const text = fs.readFileSync(file, "utf8");
    const ascii = text.replace(/[^ -~\t\n\r]/gu, (ch) => `\\u{${(ch.codePointAt(0) ?? 0).toString(16)}}`);
    if (ascii !== text) fs.writeFileSync(file, ascii);
  }
}

/** esbuild comes with tsx (a dependency); resolve it from there rather than adding it again. */
function pathToEsbuild() {
  const direct = bin("esbuild", "lib/main.js");
  if (fs.existsSync(direct)) return direct;
  return path.join(root, "node_modules", "tsx", "node_modules", "esbuild", "lib", "main.js");
}
