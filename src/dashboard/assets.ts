/**
 * The page and everything it loads, served from the package (no CDN: it works offline and
 * behind any firewall). A fixed list, so no request path ever reaches the file system.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

export interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

const require = createRequire(import.meta.url);
// The page's files stay in src/dashboard/page (published with the package): the same path from
// src/dashboard/ (tests under tsx) and from dist/dashboard/ (the build), with no copy step.
const page = (name: string): string => fileURLToPath(new URL(`../../src/dashboard/page/${name}`, import.meta.url));

/**
 * uPlot for the charts: 50 kB, no dependencies, draws thousands of points on a canvas without
 * a framework. The rest is plain DOM — a table of sites updated in place needs no library.
 */
const FILES: Readonly<Record<string, { readonly path: () => string; readonly type: string }>> = {
  "/": { path: () => page("index.html"), type: "text/html; charset=utf-8" },
  "/assets/app.js": { path: () => page("app.js"), type: "text/javascript; charset=utf-8" },
  "/assets/style.css": { path: () => page("style.css"), type: "text/css; charset=utf-8" },
  "/assets/favicon.svg": { path: () => page("favicon.svg"), type: "image/svg+xml" },
  "/assets/uPlot.js": { path: () => require.resolve("uplot/dist/uPlot.iife.min.js"), type: "text/javascript; charset=utf-8" },
  "/assets/uPlot.css": { path: () => require.resolve("uplot/dist/uPlot.min.css"), type: "text/css; charset=utf-8" },
};

const cache = new Map<string, Promise<Asset>>();

export function isAsset(pathname: string): boolean {
  return Object.hasOwn(FILES, pathname);
}

/** Read once, then served from memory. */
export function asset(pathname: string): Promise<Asset> | undefined {
  const file = Object.hasOwn(FILES, pathname) ? FILES[pathname] : undefined;
  if (file === undefined) return undefined;
  let loaded = cache.get(pathname);
  if (loaded === undefined) {
    loaded = readFile(file.path()).then((body) => ({ type: file.type, body }));
    loaded.catch(() => cache.delete(pathname));
    cache.set(pathname, loaded);
  }
  return loaded;
}
