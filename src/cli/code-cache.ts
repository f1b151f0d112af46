/**
 * Loads a CommonJS bundle through V8's code cache: the bytecode of its last load and start-up,
 * saved beside it, instead of parsing and compiling ~1 MB of JavaScript again at every start
 * (measured on the run path: about half of the time its modules took to load, and 13–15 ms of
 * what ran after them before the first spawn). Node 20 caches nothing itself
 * (`module.enableCompileCache` came in Node 22) and an ES module cannot take a cache, so the
 * supervisor's run path is also built as one CommonJS file (`scripts/build.mjs`).
 *
 * The cache is only a shortcut: missing, stale, corrupt, from another Node or V8 flags, or not
 * writable — the bundle is compiled from source as usual. It sits beside the bundle (never in a
 * shared temporary folder: bytecode is code, so only who may change the bundle may write it)
 * and is replaced by rename, so a reader never sees half a file. Its first line names the
 * bundle it was made from — the build's hash of it, on the bundle's own first line
 * (`// tsgi-build HASH`) — and the Node version, because V8's own check looks at the source's
 * length only; then how much it holds (`CacheExtent`). A bundle without that line is compiled from source every time.
 */
import { isAscii } from "node:buffer";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import vm from "node:vm";

/** How the cache was used: for the caller's log and for tests. */
export type CacheUse = "accepted" | "rejected" | "missing" | "stale" | "unversioned";

/**
 * How much a cache holds: the functions the module's load ran (`load`), or those of a whole
 * start-up as well (`start-up`: the config's parsing and checks, the host's set-up, the first
 * spawns, the logs), which V8 would otherwise compile from source at every start — measured,
 * one site: the first spawn 96–98 → 81–84 ms after the process started.
 */
export type CacheExtent = "load" | "start-up";

export interface CachedModule {
  readonly exports: unknown;
  readonly cache: CacheUse;
  /** What the cache taken held (only when `cache` is "accepted"). */
  readonly extent: CacheExtent | undefined;
  /**
   * Writes the cache now from what has run so far (functions compiled since the load are in
   * it too), marked as holding `extent` — unless the one taken, or one written before, holds as
   * much. Best effort: false when it did not write.
   */
  save(extent: CacheExtent): boolean;
}

const MAGIC = "tsgi-code-cache 2";
const EXTENTS: readonly CacheExtent[] = ["load", "start-up"];
/** The first line `scripts/build.mjs` gives the bundle. */
export const BUILD_LINE = "// tsgi-build ";

export function cacheFileOf(file: string): string {
  return `${file}.cache`;
}

/**
 * Loads `file` with its code cache, if any: a CommonJS module already wrapped the way Node wraps
 * one, `(function (exports, require, module, __filename, __dirname) {…})` — wrapped by the
 * build, so no second copy of its megabyte of source is made here. Throws only what loading
 * the module throws.
 */
export function requireWithCodeCache(file: string): CachedModule {
  const source = readSource(file);
  const stamp = stampOf(source);
  const cacheFile = cacheFileOf(file);
  const found = stamp === undefined ? { data: undefined, extent: undefined, why: "unversioned" as const } : readCache(cacheFile, stamp);
  const script = new vm.Script(source, {
    filename: file,
    cachedData: found.data,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const cache: CacheUse = found.data === undefined ? found.why : script.cachedDataRejected === true ? "rejected" : "accepted";
  const module = { exports: {} as unknown };
  const compiled = script.runInThisContext() as (...args: unknown[]) => void;
  compiled.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  const taken = cache === "accepted" ? found.extent : undefined;
  // What the cache file holds now, as far as this process knows.
  let held = taken;
  return {
    exports: module.exports,
    cache,
    extent: taken,
    save(extent) {
      if (stamp === undefined || (held !== undefined && EXTENTS.indexOf(held) >= EXTENTS.indexOf(extent))) return false;
      // Checked first: serialising the cache is ~10 ms of CPU, for nothing in a read-only install.
      if (!writable(path.dirname(cacheFile)) || !writeCache(cacheFile, `${stamp} ${extent}`, script.createCachedData())) return false;
      held = extent;
      return true;
    },
  };
}

export interface CachingLoad {
  readonly exports: unknown;
  /**
   * Start-up is over: the cache is written once more, from all that start-up compiled, unless
   * the one taken held it already. Only while V8's flags are still those the module was loaded
   * with (the heap budget changes some once every site has started): a cache made under other
   * flags is refused by every start after.
   */
  readonly startedUp: () => void;
}

/**
 * `requireWithCodeCache`, and a new cache saved right away when the one there was not taken —
 * the next start has one even if this one never finishes starting — then again once start-up
 * is over (`startedUp`), if it did not hold start-up's functions yet.
 */
export function requireCaching(file: string): CachingLoad {
  let loaded: CachedModule | undefined = requireWithCodeCache(file);
  if (loaded.cache !== "accepted") loaded.save("load");
  return {
    exports: loaded.exports,
    startedUp: () => {
      // Once; the script is let go of after.
      loaded?.save("start-up");
      loaded = undefined;
    },
  };
}

/**
 * How much the cache beside `file` holds, if it is one made from this build of it under this
 * Node (whether V8 takes it is known only when it loads); for the build's check of its own.
 */
export function cacheExtentOf(file: string): CacheExtent | undefined {
  const stamp = stampOf(readSource(file));
  return stamp === undefined ? undefined : readCache(cacheFileOf(file), stamp).extent;
}

/**
 * The bundle's text. The build writes it ASCII-only, and ASCII read as Latin-1 is the same text:
 * ~1 ms for the run path's megabyte where decoding it as UTF-8 took 6–16 ms (measured, Node 20).
 * Anything else is decoded as UTF-8.
 */
function readSource(file: string): string {
  const bytes = fs.readFileSync(file);
  return isAscii(bytes) ? bytes.toString("latin1") : bytes.toString("utf8");
}

/** What the build puts around the module (Node's own CommonJS wrapper). */
export function wrapModule(source: string): string {
  return `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
}

function stampOf(source: string): string | undefined {
  if (!source.startsWith(BUILD_LINE)) return undefined;
  const end = source.indexOf("\n");
  const hash = source.slice(BUILD_LINE.length, end === -1 ? undefined : end).trim();
  return /^[0-9a-f]{16,}$/.test(hash) ? `${MAGIC} ${process.version} ${process.arch} ${hash}` : undefined;
}

/** The cache file's first line: the stamp, then its extent. */
function readCache(
  cacheFile: string,
  stamp: string,
): { data: Buffer; extent: CacheExtent; why?: never } | { data: undefined; extent?: never; why: "missing" | "stale" } {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(cacheFile);
  } catch {
    return { data: undefined, why: "missing" };
  }
  const end = bytes.indexOf(10);
  const line = end === -1 ? "" : bytes.subarray(0, end).toString("utf8");
  const extent = EXTENTS.find((name) => line === `${stamp} ${name}`);
  if (extent === undefined) return { data: undefined, why: "stale" };
  return { data: bytes.subarray(end + 1), extent };
}

function writable(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function writeCache(cacheFile: string, stamp: string, data: Buffer): boolean {
  const temp = `${cacheFile}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temp, Buffer.concat([Buffer.from(`${stamp}\n`), data]), { mode: 0o644 });
    fs.renameSync(temp, cacheFile);
    return true;
  } catch {
    fs.rmSync(temp, { force: true });
    return false;
  }
}
