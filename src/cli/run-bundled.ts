/**
 * `run` in the bundled build (`scripts/build.mjs` puts this module in place of `./run.js`
 * there): the run path is one CommonJS file beside the bundle, `run.cjs`, loaded through V8's
 * code cache (`code-cache.ts`). The build leaves a cache made by a real start; when it is not
 * taken (another Node version, other V8 flags, a fresh build without one), this start makes a
 * new one once it is under way, so the next start has it.
 */
import { fileURLToPath } from "node:url";
import { requireWithCodeCache } from "./code-cache.js";
import type * as Run from "./run.js";

/** Long enough for the start path's functions to have been compiled (they go into the cache too). */
const SAVE_AFTER_MS = 1500;

export function runCommand(...args: Parameters<typeof Run.runCommand>): ReturnType<typeof Run.runCommand> {
  const loaded = requireWithCodeCache(fileURLToPath(new URL("./run.cjs", import.meta.url)));
  if (loaded.cache !== "accepted") setTimeout(() => loaded.save(), SAVE_AFTER_MS).unref();
  return (loaded.exports as typeof Run).runCommand(...args);
}
