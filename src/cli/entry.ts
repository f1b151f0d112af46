/**
 * The CommonJS entry `bin/` requires first (`dist/bundle/entry.cjs`, see `scripts/build.mjs`):
 * the commands whose start-up is most of what a user waits for.
 *
 * - The control commands (`status`, `reload NAME`, …: `control-main.ts`), one request each.
 * - `run`: the supervisor's run path is one CommonJS file loaded through V8's code cache
 *   (`run.cjs`, `code-cache.ts`); reached from here, the supervisor starts without Node's ES
 *   module loader at all (measured: its set-up and the ESM entry were ~10–15 ms of a one-site
 *   start-up before the first spawn).
 *
 * Any other command answers `undefined`, and `bin/` imports the ESM bundle (`main.ts`), as it
 * does when this bundle or the run path's file is missing (a dist/ built by plain tsc).
 */
import fs from "node:fs";
import path from "node:path";
import { warmAtStart } from "../host/migration-warmup.js";
import { holdDuringStartUp } from "../runtime/v8-controls.js";
import { parseCommandLine, type Command } from "./args.js";
import { requireCaching } from "./code-cache.js";
import { controlOf } from "./control-main.js";
import type * as Run from "./run.js";

/** The run path's file beside this bundle (`scripts/build.mjs` makes both). */
export const RUN_BUNDLE = "run.cjs";

/**
 * The control commands after which the supervisor spawns (`start`, `restart`, `reload NAME`,
 * `reload-config`): the command warms the kernel's cgroup-migration lock itself, as it starts,
 * ~3 ms before the supervisor can when the connection arrives (`migration-warmup.ts`; the lock is
 * one for the whole machine). Measured (`reload-path.ts 11`, four interleaved pairs, medians): the
 * new process's node started 36–40 ms after the command's launch against 39–44.
 */
export function warmsForSpawn(command: Command): boolean {
  return (command.name === "action" && command.action !== "stop") || command.name === "reload-config";
}

export function entryMain(argv: readonly string[], bundleDir: string): Promise<number> | undefined {
  const parsed = parseCommandLine(argv);
  if (!parsed.ok) return undefined;
  if (warmsForSpawn(parsed.command)) void warmAtStart(process.env);
  const control = controlOf(parsed.command);
  if (control !== undefined) return control;
  if (parsed.command.name !== "run") return undefined;
  const file = path.join(bundleDir, RUN_BUNDLE);
  if (!fs.existsSync(file)) return undefined;
  // The cgroup-migration lock's grace period runs while the run path loads (`migration-warmup.ts`).
  void warmAtStart(process.env);
  // Before the run path loads: loading it alone would grow V8's young generation for good.
  holdDuringStartUp();
  const loaded = requireCaching(file);
  return (loaded.exports as typeof Run).runCommand(parsed.command, process.stderr, { startedUp: loaded.startedUp });
}
