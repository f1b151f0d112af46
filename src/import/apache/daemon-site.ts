/**
 * One mod_wsgi daemon process (or an embedded-mode script alias) → a `wsgi:` site: each
 * `WSGIDaemonProcess` option through the table in `mod-wsgi-table.ts`, the script file as a
 * module, the vhost's `SetEnv` and other WSGI directives.
 */
import path from "node:path";
import { formatDuration } from "../../format/duration.js";
import { formatSize } from "../../format/size.js";
import type { ImportContext } from "../context.js";
import { failAt, type Parsed, type SiteDraft, type SourceRef } from "../model.js";
import { moduleForScript, settingsDefault } from "../wsgi-module.js";
import { daemonOption, type DaemonMapping } from "./mod-wsgi-table.js";
import type { Directive } from "./parse.js";

/** One `<VirtualHost>` (or the server itself), with what its WSGI directives say. */
export interface Scope {
  readonly label: string;
  readonly at: SourceRef;
  readonly serverName: string | undefined;
  readonly directives: Directive[];
}

export const is = (d: Directive, name: string): boolean => d.name.toLowerCase() === name.toLowerCase();
export const at = (d: Directive): SourceRef => ({ file: d.file, line: d.line });

function options(daemon: Directive): Parsed<[string, string][]> {
  const out: [string, string][] = [];
  for (const arg of daemon.args.slice(1)) {
    const eq = arg.indexOf("=");
    if (eq <= 0) return failAt(daemon.file, daemon.line, 1, `WSGIDaemonProcess option \`${arg}\` has no value`, "`option=value`");
    // mod_wsgi takes `option="a value"` as well as `option=value`.
    out.push([arg.slice(0, eq), arg.slice(eq + 1).replace(/^(["'])(.*)\1$/, "$2")]);
  }
  return { ok: true, value: out };
}

export function daemonSite(
  site: SiteDraft,
  daemon: Directive | undefined,
  alias: { mount: string; script: string; directive: Directive } | undefined,
  scope: Scope,
  server: { home: string | undefined; serverPath: string | undefined },
  ctx: ImportContext,
): Parsed<undefined> {
  const opts = daemon === undefined ? { ok: true as const, value: [] } : options(daemon);
  if (!opts.ok) return opts;
  let home: string | undefined;
  const pythonPath: string[] = server.serverPath?.split(":").filter(Boolean) ?? [];
  let python = server.home === undefined ? undefined : path.join(server.home, "bin/python");
  let stopSeconds: number | undefined;
  let threads: number | undefined;
  const gunicorn: string[] = [];
  const mapped: Array<() => void> = [];
  for (const [option, value] of opts.value) {
    const row = daemonOption(option);
    const where = daemon === undefined ? site.from : at(daemon);
    if (row === undefined) {
      site.unmapped(where, `${option}=${value}`, "not in tsgi's mod_wsgi table");
      continue;
    }
    const bad = (expected: string): Parsed<undefined> => failAt(where.file, where.line, 1, `${option}=${value}`, expected);
    const mapping: DaemonMapping = row.mapping;
    switch (mapping.type) {
      case "name":
        break;
      case "count": {
        if (!/^\d+$/.test(value) || Number(value) < 1) return bad("a whole number ≥ 1");
        if (mapping.key === "threads") threads = Number(value);
        else mapped.push(() => site.set("processes", Number(value)));
        break;
      }
      case "account":
        mapped.push(() => site.set(option === "group" ? "group" : "user", value));
        break;
      case "python-home":
        python = path.join(value, "bin/python");
        break;
      case "python-path":
        pythonPath.push(...value.split(":").filter(Boolean));
        break;
      case "home":
        home = value;
        break;
      case "gunicorn":
        if (!/^\d+$/.test(value)) return bad("a whole number");
        gunicorn.push(mapping.flag, value);
        if (mapping.flag === "--max-requests") gunicorn.push("--max-requests-jitter", String(Math.max(1, Math.round(Number(value) / 10))));
        break;
      case "stop-timeout":
        if (!/^\d+$/.test(value)) return bad("a whole number of seconds");
        stopSeconds = (stopSeconds ?? 0) + Number(value);
        break;
      case "start-timeout":
        if (!/^\d+$/.test(value)) return bad("a whole number of seconds");
        mapped.push(() => site.set("startTimeout", formatDuration(Number(value) * 1000), `${option}=${value}`));
        break;
      case "env":
        mapped.push(() => site.env(mapping.names[option] ?? option.toUpperCase(), value));
        break;
      case "memory":
        if (!/^\d+$/.test(value)) return bad("a number of bytes");
        mapped.push(() => site.set("maxMemory", formatSize(Number(value)), `${option}=${value}: resident size, replaced gracefully`));
        break;
      case "none":
        mapped.push(() => site.unmapped(where, `${option}=${value}`, row.notes));
        break;
      default:
        throw new Error(`unknown mapping ${JSON.stringify(mapping satisfies never)}`);
    }
  }
  if (alias === undefined) {
    const where = daemon === undefined ? site.from : at(daemon);
    return failAt(
      where.file,
      where.line,
      1,
      `no WSGIScriptAlias is routed to daemon process \`${site.name}\``,
      `\`WSGIScriptAlias / /path/to/wsgi.py\` with \`WSGIProcessGroup ${site.name}\` (or process-group=${site.name})`,
    );
  }
  for (const option of alias.directive.args.slice(2)) {
    if (option.startsWith("process-group=")) continue;
    if (option.startsWith("application-group="))
      site.note(`WSGIScriptAlias ${option}: nothing to write (each worker runs the application in the main interpreter)`);
    else site.unmapped(at(alias.directive), `WSGIScriptAlias ${option}`, "not in tsgi's mod_wsgi table");
  }
  const found = moduleForScript(alias.script, [...(home === undefined ? [] : [home]), ...pythonPath]);
  if (!found.ok) {
    site.unmapped(at(alias.directive), `WSGIScriptAlias ${alias.mount} ${alias.script}`, found.reason);
  }
  const cwd = home ?? found.cwd;
  const callable = scope.directives.find((d) => is(d, "WSGICallableObject"))?.args[0] ?? "application";
  site.set("wsgi", `${found.ok ? found.module : path.basename(alias.script).replace(/\W/g, "_")}:${callable}`);
  site.set("cwd", ctx.pathFor(cwd), home === undefined ? "the WSGI file's folder" : "home=");
  if (python !== undefined) site.set("python", python, "python-home=");
  const settings = settingsDefault(alias.script);
  if (settings !== undefined) site.set("settings", settings, "what the WSGI file setdefault()s");
  site.set("listen", `127.0.0.1:${ctx.nextPort()}`, "the address the front server now proxies to");
  for (const apply of mapped) apply();
  site.set("threads", threads ?? 15, threads === undefined ? "mod_wsgi's default" : undefined);
  if (stopSeconds !== undefined) site.set("stopTimeout", formatDuration(stopSeconds * 1000), "graceful-timeout + shutdown-timeout");
  if (alias.mount !== "/") site.env("SCRIPT_NAME", alias.mount.replace(/\/$/, ""));
  for (const d of scope.directives) {
    if (is(d, "SetEnv") && d.args[0] !== undefined) site.env(d.args[0], d.args.slice(1).join(" "));
    else if (
      is(d, "WSGIApplicationGroup") ||
      is(d, "WSGIPassAuthorization") ||
      is(d, "WSGIRestrictEmbedded") ||
      is(d, "WSGIProcessGroup")
    ) {
      site.note(`${d.name} ${d.args.join(" ")} (${d.file}:${d.line}): nothing to write`);
    } else if (
      /^WSGI/i.test(d.name) &&
      !["WSGIDaemonProcess", "WSGIScriptAlias", "WSGIScriptAliasMatch", "WSGICallableObject"].some((n) => is(d, n))
    ) {
      site.unmapped(at(d), `${d.name} ${d.args.join(" ")}`, "not in tsgi's mod_wsgi table");
    } else if (is(d, "PassEnv")) {
      site.unmapped(at(d), `PassEnv ${d.args.join(" ")}`, "add the names to the site's `inheritEnv:` list");
    }
  }
  const inCwd = found.ok && found.cwd !== cwd ? [found.cwd] : [];
  const extra = [...inCwd, ...pythonPath.filter((p) => p !== cwd)];
  if (extra.length > 0) site.env("PYTHONPATH", extra.join(":"));
  if (gunicorn.length > 0) site.env("GUNICORN_CMD_ARGS", gunicorn.join(" "));
  return { ok: true, value: undefined };
}
