/**
 * What a site's own modules need before any of them runs: TypeScript (tsx), or the `"tsgi"`
 * mapping for ES modules. Both cost a module-hooks thread — a second V8 instance, ~10 MB, and
 * tsx another ~20 MB — that a plain JavaScript site should not pay for.
 *
 * Found by reading, not running: from the entry files (app, middleware, settings) the static
 * relative imports are followed (`import … from "./x"`, `import("./x")`, `require("./x")`),
 * and each file is checked for a TypeScript extension and a `"tsgi"` specifier. A computed
 * `import(name)` escapes it; `TSGI_MODULE_HOOKS=1` in the site's env then installs the hooks
 * anyway (the load error says so).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, extname, isAbsolute, join, resolve, sep } from "node:path";
import type { HookMode } from "./hooks.js";

export interface SiteGraph {
  /** Every site file reached, entries first. */
  readonly files: readonly string[];
  /** A reached file is TypeScript (`.ts`, `.mts`, `.cts`, `.tsx`). */
  readonly typescript: boolean;
  /** A reached file imports or requires `"tsgi"`. */
  readonly importsTsgi: boolean;
}

const TYPESCRIPT = new Set([".ts", ".mts", ".cts", ".tsx"]);
const SOURCE = [".ts", ".mts", ".cts", ".tsx", ".js", ".mjs", ".cjs", ".jsx"];
/** A site bigger than this is taken for TypeScript-capable: reading on would slow every start. */
const MAX_FILES = 2000;

/** `from "x"`, `import "x"`, `import("x")`, `require("x")`, `export … from "x"`. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)(["'])([^"'\n]+)\1/g;

export function scanSiteGraph(entries: readonly string[]): SiteGraph {
  const seen = new Set<string>();
  const queue = entries.filter(isFile);
  let typescript = false;
  let importsTsgi = false;
  while (queue.length > 0) {
    const file = queue.shift();
    if (file === undefined || seen.has(file)) continue;
    seen.add(file);
    if (TYPESCRIPT.has(extname(file))) typescript = true;
    if (seen.size > MAX_FILES) return { files: [...seen], typescript: true, importsTsgi: true };
    // A package's own imports are its business (and `"tsgi"` from one resolves as installed).
    if (!SOURCE.includes(extname(file)) || file.includes(`${sep}node_modules${sep}`)) continue;
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const match of text.matchAll(SPECIFIER)) {
      const specifier = match[2] ?? "";
      if (specifier === "tsgi" || specifier.startsWith("tsgi/")) importsTsgi = true;
      if (!specifier.startsWith("./") && !specifier.startsWith("../")) continue;
      const target = resolveRelative(dirname(file), specifier);
      if (target !== undefined && !seen.has(target)) queue.push(target);
    }
  }
  return { files: [...seen], typescript, importsTsgi };
}

/**
 * As Node and tsx would find it: the path as written, then with a source extension, then as a
 * folder's index; `./x.js` may name `./x.ts` (the TypeScript convention tsx follows).
 */
function resolveRelative(from: string, specifier: string): string | undefined {
  const base = resolve(from, specifier.split(/[?#]/)[0] ?? specifier);
  if (isFile(base)) return base;
  const ext = extname(base);
  const stem = [".js", ".mjs", ".cjs", ".jsx"].includes(ext) ? base.slice(0, -ext.length) : undefined;
  const candidates = [
    ...(stem === undefined ? [] : [".ts", ".mts", ".cts", ".tsx"].map((e) => stem + e)),
    ...SOURCE.map((e) => base + e),
    ...SOURCE.map((e) => join(base, `index${e}`)),
  ];
  return candidates.find(isFile);
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

/**
 * The hooks a site needs: tsx for TypeScript; tsgi's own for a `"tsgi"` import or a middleware
 * package (resolved from the cwd); none otherwise. `TSGI_MODULE_HOOKS=1` asks for everything.
 */
export function hookModeFor(graph: SiteGraph, middleware: readonly string[], forced: string | undefined): HookMode {
  if (forced === "1" || graph.typescript) return "typescript";
  if (graph.importsTsgi || middleware.some((m) => !isPathLike(m))) return "esm";
  return "none";
}

export function isPathLike(specifier: string): boolean {
  return isAbsolute(specifier) || specifier.startsWith("./") || specifier.startsWith("../");
}
