/**
 * `tsgi-supervise`: parse the command line, run the command, return its exit code.
 */
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { parseCommandLine, USAGE } from "./args.js";
import { checkCommand } from "./check.js";
import { controlCommand } from "./control-commands.js";
import { exportCommand } from "./export.js";
import { initCommand } from "./init.js";
import { runCommand } from "./run.js";

export async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseCommandLine(argv);
  if (!parsed.ok) {
    process.stderr.write(`tsgi-supervise: ${parsed.message}\n\n${USAGE}\n`);
    return 2;
  }
  const command = parsed.command;
  const io = { out: process.stdout, err: process.stderr };
  switch (command.name) {
    case "help":
      process.stdout.write(`${USAGE}\n`);
      return 0;
    case "version":
      process.stdout.write(`${version()}\n`);
      return 0;
    case "run":
      return runCommand(command, process.stderr);
    case "check":
      return checkCommand(command.file, process.stdout, process.stderr);
    case "init":
      return initCommand(command.file, process.stdout, process.stderr);
    case "export":
      return exportCommand(command.target, command.file, command.argv, io);
    case "status":
    case "action":
    case "reload-config":
    case "logs":
      return controlCommand(command, io);
    default:
      throw new Error(`unknown command ${JSON.stringify(command satisfies never)}`);
  }
}

function version(): string {
  const pkg = JSON.parse(fs.readFileSync(fileURLToPath(new URL("../../package.json", import.meta.url)), "utf8")) as { version: string };
  return pkg.version;
}
