/**
 * Installs what the site's modules need to load, and no more (`site-graph.ts` finds out):
 *
 * - `typescript`: tsx (TypeScript for ESM and CommonJS), then tsgi's own hooks
 *   (`resolve-hooks.ts`): `"tsgi"` for ES modules, middleware packages from the cwd, and the
 *   report of every file loaded;
 * - `esm`: tsgi's own hooks alone, for JavaScript that imports `"tsgi"` or names a middleware
 *   package;
 * - `none`: no hooks thread at all; the files loaded are then the site's static import graph
 *   (`site-graph.ts`) and the CommonJS cache. (V8's own script list, through the inspector,
 *   would be exact but leaves ~2 MB behind in every worker.)
 *
 * Always the CommonJS twin of the `"tsgi"` mapping, which costs nothing. Hooks registered later
 * run first, so tsgi's resolve sees a specifier before tsx does and its load sees what tsx
 * produced.
 */
import { existsSync } from "node:fs";
import Module, { createRequire, register } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { MessagePort } from "node:worker_threads";
import type { FlushRequest, HookData, HookMessage } from "./resolve-hooks.js";
import { siteImporterURL } from "./site-import.js";

export type HookMode = "typescript" | "esm" | "none";

export interface ModuleHooks {
  /**
   * Absolute paths of every file module loaded since the hooks were installed, in load order
   * (ES modules, then CommonJS ones), without repeats.
   */
  loadedFiles(): Promise<readonly string[]>;
}

/** `graph`: the site's files found by reading its imports, what `none` reports as loaded. */
export async function installHooks(cwd: string, mode: HookMode, graph: readonly string[]): Promise<ModuleHooks> {
  const indexURL = ownIndexURL();
  mapTsgiForRequire(fileURLToPath(indexURL));
  switch (mode) {
    case "none":
      return {
        loadedFiles: () => Promise.resolve([...new Set([...graph, ...requiredFiles()])]),
      };
    case "typescript": {
      // Imported only here: tsx and esbuild are megabytes a JavaScript site never needs.
      const [esm, cjs] = await Promise.all([import("tsx/esm/api"), import("tsx/cjs/api")]);
      esm.register();
      cjs.register();
      return installOwnHooks(cwd, indexURL);
    }
    case "esm":
      return installOwnHooks(cwd, indexURL);
    default:
      throw unknownMode(mode);
  }
}

function unknownMode(mode: never): Error {
  return new Error(`unknown hook mode: ${JSON.stringify(mode)}`);
}

function installOwnHooks(cwd: string, indexURL: string): ModuleHooks {
  // The global one: importing `node:worker_threads` would load Node's worker machinery into
  // every worker, hooks or not.
  const { port1, port2 } = new MessageChannel() as unknown as { port1: MessagePort; port2: MessagePort };
  const data: HookData = {
    indexURL,
    siteImporterURL,
    cwdURL: pathToFileURL(cwd.endsWith("/") ? cwd : `${cwd}/`).href,
    port: port2,
  };
  register("./resolve-hooks.js", import.meta.url, { data, transferList: [port2] });

  const fromHooks: string[] = [];
  const flushes = new Map<number, () => void>();
  port1.on("message", (message: HookMessage) => {
    if (message.type === "loaded") {
      fromHooks.push(fileURLToPath(message.url));
    } else {
      flushes.get(message.id)?.();
    }
  });
  // The worker's life is its server's; this port must never keep a drained worker alive.
  port1.unref();

  let nextFlush = 0;
  return {
    async loadedFiles() {
      await flush(port1, flushes, nextFlush++);
      return [...new Set([...fromHooks, ...requiredFiles()])];
    },
  };
}

/** Waits until the hooks thread has delivered every report sent so far. */
function flush(port: MessagePort, flushes: Map<number, () => void>, id: number): Promise<void> {
  return new Promise((resolve) => {
    flushes.set(id, () => {
      flushes.delete(id);
      port.unref();
      resolve();
    });
    port.ref();
    const request: FlushRequest = { type: "flush", id };
    port.postMessage(request);
  });
}

/** `dist/index.js` once built; `src/index.ts` when the worker itself runs from source under tsx. */
function ownIndexURL(): string {
  const built = new URL("../index.js", import.meta.url);
  return existsSync(built) ? built.href : new URL("../index.ts", import.meta.url).href;
}

interface ModuleInternals {
  _resolveFilename: (this: unknown, request: string, ...rest: unknown[]) => string;
}

/**
 * ESM hooks do not see `require()`; a CommonJS app (a `.cjs` file, or a `.ts` file outside any
 * `"type": "module"` package) needs the same mapping. Node 20.19 can `require` the ESM index.
 */
function mapTsgiForRequire(indexPath: string): void {
  const internals = Module as unknown as ModuleInternals;
  const original = internals._resolveFilename;
  internals._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]): string {
    return request === "tsgi" ? indexPath : original.call(this, request, ...rest);
  };
}

/** CommonJS modules never pass through the ESM load hook when `require`d by CommonJS. */
function requiredFiles(): string[] {
  // `require.cache` is the one CommonJS cache, whichever module's `require` shows it.
  return Object.keys(createRequire(import.meta.url).cache);
}
