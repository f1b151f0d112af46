/**
 * `run` in the bundled build (`scripts/build.mjs` puts this module in place of `./run.js`
 * there): the run path is one CommonJS file beside the bundle, `run.cjs`, loaded through V8's
 * code cache (`code-cache.ts`). The build leaves a cache made by a real start; when it is not
 * taken (another Node version, other V8 flags, a fresh build without one), this start makes a
 * new one right away, so the next start has it.
 *
 * Right away, not once start-up is done: V8 takes a cache only under the flags it was made
 * with, and the heap budget (`supervisor/heap-budget.ts`) changes V8 flags once every site has
 * started; made then, the cache would be refused by every start after.
 */
import { fileURLToPath } from "node:url";
import { requireCaching } from "./code-cache.js";
import type * as Run from "./run.js";

export function runCommand(...args: Parameters<typeof Run.runCommand>): ReturnType<typeof Run.runCommand> {
  return (requireCaching(fileURLToPath(new URL("./run.cjs", import.meta.url))) as typeof Run).runCommand(...args);
}
