/**
 * `tsgi-supervise`: parse the command line, run the command, return its exit code.
 *
 * Each command's module is imported only when that command runs: `status` need not load the
 * supervisor, and the supervisor need not carry the exporters (less to load, a smaller process
 * to fork from — fork time grows with the parent's resident size).
 */
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { parseCommandLine, USAGE } from "./args.js";

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
      // Before the run path loads: loading it alone would grow V8's young generation for good.
      (await import("../runtime/v8-controls.js")).holdDuringStartUp();
      return (await import("./run.js")).runCommand(command, process.stderr);
    case "check":
      return (await import("./check.js")).checkCommand(command.file, process.stdout, process.stderr);
    case "init":
      return (await import("./init.js")).initCommand(command.file, process.stdout, process.stderr);
    case "export":
      return (await import("./export.js")).exportCommand(command.target, command.file, command.argv, io);
    case "startup":
      return (await import("./startup.js")).startupCommand(command, io);
    case "import":
      return (await import("./import.js")).importCommand(command.argv, io);
    case "status":
    case "action":
    case "reload-config":
    case "logs":
      return (await import("./control-commands.js")).controlCommand(command, io);
    case "dashboard":
      return (await import("./dashboard.js")).dashboardCommand(command, io);
    default:
      throw new Error(`unknown command ${JSON.stringify(command satisfies never)}`);
  }
}

function version(): string {
  const pkg = JSON.parse(fs.readFileSync(fileURLToPath(new URL("../../package.json", import.meta.url)), "utf8")) as { version: string };
  return pkg.version;
}
