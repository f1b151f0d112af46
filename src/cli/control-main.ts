/**
 * The entry of the control commands' own bundle (`dist/bundle/control.cjs`, see
 * `scripts/build.mjs`): `status`, `start|stop|restart|reload NAME`, `reload-config`, `logs`.
 *
 * Each is a process of its own that sends one request, so its start-up is most of its time.
 * CommonJS, one file, loaded with `require` from `bin/`: no ESM loader work per module, and Node's
 * built-in modules without the ESM facades (importing `node:fs` from ESM touches every export,
 * which loads the streams). Any other command answers `undefined`, and `bin/` runs `main.ts`.
 */
import { parseCommandLine, type Command } from "./args.js";
import { controlCommand } from "./control-commands.js";

export function controlMain(argv: readonly string[]): Promise<number> | undefined {
  const parsed = parseCommandLine(argv);
  return parsed.ok ? controlOf(parsed.command) : undefined;
}

/** A command already parsed (`entry.ts` parses once for both kinds): run it if it is a control command. */
export function controlOf(command: Command): Promise<number> | undefined {
  switch (command.name) {
    case "status":
    case "action":
    case "reload-config":
    case "logs":
      return controlCommand(command, { out: process.stdout, err: process.stderr });
    default:
      return undefined;
  }
}
