/**
 * The command line, parsed into one value per command. Usage errors are values too, so `main`
 * can print them with the usage and exit 2.
 */
import { parseArgs } from "node:util";
import { CONTROL_ACTIONS, isControlAction, type ControlAction } from "../control/protocol.js";
import { parseOnly } from "../config/only.js";
import type { LogFormat } from "../logging/logger.js";

export type Command =
  | {
      readonly name: "run";
      readonly file: string;
      readonly watch: boolean;
      readonly only: readonly string[] | undefined;
      readonly logFormat: LogFormat;
      /** `--subreaper`: becoming the sites' subreaper is required, not just attempted. */
      readonly subreaper?: boolean;
      /** `--router [PORT]`: the development router's port on 127.0.0.1 (8000 without one). */
      readonly router?: number | undefined;
    }
  | { readonly name: "check"; readonly file: string }
  | { readonly name: "init"; readonly file: string }
  | { readonly name: "status"; readonly control: ControlTarget; readonly json: boolean }
  | {
      readonly name: "action";
      readonly action: ControlAction;
      readonly site: string;
      readonly control: ControlTarget;
    }
  | { readonly name: "reload-config"; readonly control: ControlTarget }
  | { readonly name: "logs"; readonly site: string; readonly follow: boolean; readonly lines: number; readonly control: ControlTarget }
  | { readonly name: "export"; readonly target: string; readonly file: string; readonly argv: readonly string[] }
  | { readonly name: "startup"; readonly file: string; readonly user: boolean; readonly out: string | undefined }
  | { readonly name: "dashboard"; readonly control: ControlTarget; readonly open: boolean }
  | { readonly name: "import"; readonly argv: readonly string[] }
  | { readonly name: "help" }
  | { readonly name: "version" };

/** Where control commands find the supervisor: a config file's socket, or `TSGI_CONTROL`. */
export type ControlTarget = { readonly type: "config"; readonly file: string } | { readonly type: "socket"; readonly path: string };

export type ParseResult = { readonly ok: true; readonly command: Command } | { readonly ok: false; readonly message: string };

export const USAGE = `Usage:
  tsgi-supervise [run] sites.yaml [--watch] [--only NAME,...] [--log-format pretty|json] [--subreaper] [--router [PORT]]
  tsgi-supervise check sites.yaml            validate; print the resolved plan per site
  tsgi-supervise status [--json]             state, pids, uptime, restarts, memory, address
  tsgi-supervise start|stop|restart|reload NAME|all
  tsgi-supervise reload-config               re-read sites.yaml, apply only the difference
  tsgi-supervise logs NAME [-f] [-n N]
  tsgi-supervise init [sites.yaml]           write a commented sites.yaml to start from
  tsgi-supervise export systemd|kubernetes|nginx|apache|caddy sites.yaml [options]
  tsgi-supervise startup [sites.yaml] [--user] [--out DIR]   a systemd unit running this supervisor at boot
  tsgi-supervise dashboard [--open]          the live dashboard on a loopback URL with a one-time token
  tsgi-supervise import FILE... [--from pm2|procfile|supervisord|uwsgi|apache] [--out sites.yaml] [--force] [--env NAME]

Control commands find the supervisor through -c sites.yaml, TSGI_CONTROL (a socket path),
or ./sites.yaml. Exit codes: 0 success, 1 runtime failure, 2 bad usage or bad sites.yaml.`;

const CONTROL: readonly string[] = ["status", ...CONTROL_ACTIONS, "reload-config", "logs", "dashboard"];

export function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ParseResult {
  const [first] = argv;
  if (first === undefined || first === "help" || first === "--help" || first === "-h") return { ok: true, command: { name: "help" } };
  if (first === "--version" || first === "-V") return { ok: true, command: { name: "version" } };
  if (first === "export") {
    const [, target, file, ...rest] = argv;
    if (target === undefined || file === undefined)
      return { ok: false, message: "export needs a target and a file: export systemd|kubernetes|nginx|apache|caddy sites.yaml" };
    return { ok: true, command: { name: "export", target, file, argv: rest } };
  }
  if (first === "import") return { ok: true, command: { name: "import", argv: argv.slice(1) } };
  try {
    if (first === "check" || first === "init") {
      const { positionals } = parseArgs({ args: argv.slice(1), allowPositionals: true, strict: true, options: {} });
      if (positionals.length > 1) return { ok: false, message: `${first} takes one file` };
      const file = positionals[0] ?? "sites.yaml";
      return { ok: true, command: { name: first, file } };
    }
    if (first === "startup") {
      const { values, positionals } = parseArgs({
        args: argv.slice(1),
        allowPositionals: true,
        strict: true,
        options: { user: { type: "boolean" }, out: { type: "string" } },
      });
      if (positionals.length > 1) return { ok: false, message: "startup takes one file" };
      return { ok: true, command: { name: "startup", file: positionals[0] ?? "sites.yaml", user: values.user ?? false, out: values.out } };
    }
    if (CONTROL.includes(first)) return parseControl(first, argv.slice(1), env);
    const args = withRouterPort(first === "run" ? argv.slice(1) : argv);
    const { values, positionals } = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        watch: { type: "boolean", short: "w" },
        only: { type: "string" },
        "log-format": { type: "string" },
        subreaper: { type: "boolean" },
        router: { type: "string" },
      },
    });
    if (positionals.length !== 1) {
      return {
        ok: false,
        message: positionals.length === 0 ? "which sites.yaml? e.g. tsgi-supervise sites.yaml" : `unknown command \`${positionals[0]}\``,
      };
    }
    const format = values["log-format"] ?? "pretty";
    if (format !== "pretty" && format !== "json") return { ok: false, message: `--log-format is pretty or json, not \`${format}\`` };
    const only = parseOnly(values.only);
    const routerText = values.router;
    const router = routerText === undefined ? undefined : Number(routerText);
    if (router !== undefined && !(Number.isInteger(router) && router >= 1 && router <= 65535)) {
      return { ok: false, message: `--router takes a port from 1 to 65535, not \`${routerText}\`` };
    }
    const run = { name: "run", file: positionals[0] ?? "", watch: values.watch ?? false, only, logFormat: format, router } as const;
    return { ok: true, command: values.subreaper === true ? { ...run, subreaper: true } : run };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

/** `--router` takes an optional port, which parseArgs cannot express: a bare one means 8000. */
function withRouterPort(args: readonly string[]): string[] {
  return args.flatMap((arg, i) => (arg === "--router" && !/^\d+$/.test(args[i + 1] ?? "") ? ["--router=8000"] : [arg]));
}

function parseControl(name: string, rest: readonly string[], env: NodeJS.ProcessEnv): ParseResult {
  const { values, positionals } = parseArgs({
    args: [...rest],
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: "string", short: "c" },
      json: { type: "boolean" },
      follow: { type: "boolean", short: "f" },
      lines: { type: "string", short: "n" },
      open: { type: "boolean" },
    },
  });
  const control: ControlTarget =
    values.config !== undefined
      ? { type: "config", file: values.config }
      : env["TSGI_CONTROL"]
        ? { type: "socket", path: env["TSGI_CONTROL"] }
        : { type: "config", file: "sites.yaml" };
  if (values.open === true && name !== "dashboard") return { ok: false, message: "--open belongs to `dashboard`" };
  switch (name) {
    case "status":
      if (positionals.length > 0) return { ok: false, message: "status takes no site name (it shows every site)" };
      return { ok: true, command: { name: "status", control, json: values.json ?? false } };
    case "reload-config":
      return { ok: true, command: { name: "reload-config", control } };
    case "dashboard":
      if (positionals.length > 0)
        return { ok: false, message: "dashboard takes no site name (it shows every site); -c sites.yaml picks the supervisor" };
      return { ok: true, command: { name: "dashboard", control, open: values.open ?? false } };
    case "logs": {
      const site = positionals[0];
      if (site === undefined) return { ok: false, message: "logs needs a site name: logs NAME [-f] [-n N]" };
      const lines = values.lines === undefined ? 100 : Number(values.lines);
      if (!Number.isInteger(lines) || lines < 0) return { ok: false, message: `-n takes a whole number, not \`${values.lines}\`` };
      return { ok: true, command: { name: "logs", site, follow: values.follow ?? false, lines, control } };
    }
    default: {
      if (!isControlAction(name)) return { ok: false, message: `unknown command \`${name}\`` };
      const site = positionals[0];
      if (site === undefined || positionals.length > 1) return { ok: false, message: `${name} needs one site name (or all)` };
      return { ok: true, command: { name: "action", action: name, site, control } };
    }
  }
}
