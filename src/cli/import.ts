/**
 * `tsgi-supervise import FILE... [--from FORMAT] [--out sites.yaml] [--force] [--env NAME]`:
 * another supervisor's configuration → a `sites.yaml` on stdout (or `--out`, never overwriting
 * without `--force`). stderr carries the summary, one warning per unmapped option (file:line)
 * and what to do next (the ProxyPass lines, a JS file that was run). Exit 2 on unparseable input.
 */
import { open } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { FORMATS, isFormat, type ImportFormat } from "../import/detect.js";
import { formatFailure, where } from "../import/model.js";
import { runImport } from "../import/run-import.js";

export interface ImportIo {
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
}

export const IMPORT_USAGE = `Usage:
  tsgi-supervise import FILE... [--from ${FORMATS.join("|")}] [--out sites.yaml] [--force]
                                [--env NAME] [--port-base N]
    FILE       ecosystem.config.js|.json|.yaml, Procfile, supervisord.conf, a uWSGI vassal .ini or
               vassal folder, Apache .conf files; the format is detected unless --from says it
    --out      write this file instead of stdout (refused if it exists, unless --force)
    --env      PM2: apply env_NAME over env
    --port-base  first port for sites whose source names no address (mod_wsgi daemons); 8101`;

export async function importCommand(argv: readonly string[], io: ImportIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const usage = (message: string): number => {
    io.err.write(`tsgi-supervise import: ${message}\n\n${IMPORT_USAGE}\n`);
    return 2;
  };
  if (argv.includes("--help") || argv.includes("-h")) {
    io.out.write(`${IMPORT_USAGE}\n\nThe mapping of every format: docs/import.md.\n`);
    return 0;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        from: { type: "string" },
        out: { type: "string", short: "o" },
        force: { type: "boolean", short: "f" },
        env: { type: "string" },
        "port-base": { type: "string" },
      },
    });
  } catch (error) {
    return usage(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (positionals.length === 0) return usage("which file? e.g. tsgi-supervise import supervisord.conf");
  let from: ImportFormat | undefined;
  if (values.from !== undefined) {
    if (!isFormat(values.from)) return usage(`--from is one of ${FORMATS.join(", ")}, not \`${values.from}\``);
    from = values.from;
  }
  const portBase = Number(values["port-base"] ?? 8101);
  if (!Number.isInteger(portBase) || portBase < 1 || portBase > 65535)
    return usage(`--port-base takes a port number, not \`${values["port-base"]}\``);
  const out = values.out === undefined ? undefined : path.resolve(values.out);
  const result = await runImport(positionals, from, {
    outDir: out === undefined ? process.cwd() : path.dirname(out),
    env,
    envName: values.env,
    portBase,
  });
  if (!result.ok) {
    io.err.write(`tsgi-supervise import: ${formatFailure(result.failure)}\n`);
    return 2;
  }
  const { text, sites, log, format } = result.value;
  if (out === undefined) io.out.write(text);
  else {
    try {
      // `wx` refuses an existing file in the same call that creates it: no check-then-write race.
      const handle = await open(out, values.force === true ? "w" : "wx");
      await handle.writeFile(text);
      await handle.close();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      io.err.write(
        code === "EEXIST"
          ? `tsgi-supervise import: ${values.out} exists; pass --force to overwrite it, or another --out\n`
          : `tsgi-supervise import: cannot write ${values.out} (${code ?? String(error)})\n`,
      );
      return code === "EEXIST" ? 2 : 1;
    }
  }
  if (values.env !== undefined && format !== "pm2") io.err.write(`warning: --env applies to PM2 ecosystem files; ignored for ${format}\n`);
  for (const warning of log.warnings) io.err.write(`warning: ${where(warning.at)}: ${warning.message}\n`);
  const unmapped = log.warnings.length;
  io.err.write(
    `imported ${sites.length} site${sites.length === 1 ? "" : "s"} from ${format} (${sites.map((s) => s.name).join(", ")})` +
      `${out === undefined ? "" : ` into ${values.out}`}; ${unmapped === 0 ? "no warnings" : `${unmapped} warning${unmapped === 1 ? "" : "s"}, each a comment in the file`}\n`,
  );
  for (const advice of log.advice) io.err.write(`${advice}\n`);
  io.err.write(`next: tsgi-supervise check ${values.out ?? "sites.yaml"}\n`);
  return 0;
}
