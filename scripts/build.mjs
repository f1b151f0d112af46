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
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const bin = (pkg, file) => path.join(root, "node_modules", pkg, file);

execFileSync(process.execPath, [bin("typescript", "bin/tsc"), "-p", "tsconfig.json"], { cwd: root, stdio: "inherit" });

const { build } = await import(pathToEsbuild());
const out = path.join(root, "dist", "bundle");
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
});

// The control commands (status, reload NAME, …), one CommonJS file that bin/ requires before
// anything else (src/cli/control-main.ts says why). The config loader, their fallback for a
// file they cannot read quickly, stays out: it is imported from dist/config/ when needed.
await build({
  entryPoints: { control: path.join(root, "dist", "cli", "control-main.js") },
  outdir: out,
  outExtension: { ".js": ".cjs" },
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  external: ["../config/load.js"],
  legalComments: "none",
  minifySyntax: true,
  logLevel: "warning",
});
asciiOnly(out);

// The worker, bundled into one file of its own in place (scripts/bundle-worker.ts says why).
execFileSync(process.execPath, ["--import", "tsx", path.join(root, "scripts", "bundle-worker.ts")], { cwd: root, stdio: "inherit" });

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
