/**
 * `run` in the bundled build (`scripts/build.mjs` puts this module in place of `./run.js`
 * there): the run path is one CommonJS file beside the bundle, `run.cjs`, loaded through V8's
 * code cache (`code-cache.ts`). The build leaves a cache made by a real start; when it is not
 * taken (another Node version, other V8 flags, a fresh build without one), this start makes a
 * new one right away, so the next start has it, and once more when start-up is over, with
 * all that start-up compiled (`code-cache.ts`'s `requireCaching`).
 */
import { fileURLToPath } from "node:url";
import { requireCaching } from "./code-cache.js";
import type * as Run from "./run.js";

export function runCommand(command: Parameters<typeof Run.runCommand>[0], err: NodeJS.WritableStream): ReturnType<typeof Run.runCommand> {
  const loaded = requireCaching(fileURLToPath(new URL("./run.cjs", import.meta.url)));
  return (loaded.exports as typeof Run).runCommand(command, err, { startedUp: loaded.startedUp });
}
