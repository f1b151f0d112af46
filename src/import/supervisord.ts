/**
 * `supervisord.conf` (and the files its `[include]` names) → sites: one per `[program:x]`, or
 * one per process when `numprocs` programs differ by `%(process_num)d`. `[fcgi-program:x]` and
 * `[eventlistener:x]` become commented notes; supervisord's own sections are supervisor
 * settings, named in one note each.
 */
import path from "node:path";
import { formatDuration, formatSize } from "../config/units.js";
import type { ImportContext } from "./context.js";
import { readIni, type IniEntry, type IniSection } from "./ini.js";
import { failAt, type ImportedSite, type Parsed, type SiteDraft, type SourceRef } from "./model.js";
import { expandGlob, readText } from "./read-files.js";
import { shlexSplit } from "./shlex.js";
import { expandPercent, parseBool, parseBytes, parseEnvironment } from "./supervisord-values.js";

interface FileSection extends IniSection {
  readonly file: string;
  readonly dir: string;
}

const DIALECT = { continuation: true, inlineComments: true } as const;

/** The files in include order: each file, then what its `[include]` names. */
function readAll(file: string, ctx: ImportContext, seen: Set<string>): Parsed<FileSection[]> {
  if (seen.has(file)) return { ok: true, value: [] };
  seen.add(file);
  const shown = ctx.display(file);
  const text = readText(file, shown);
  if (!text.ok) return text;
  const parsed = readIni(text.value, shown, DIALECT);
  if (!parsed.ok) return parsed;
  const out: FileSection[] = [];
  const dir = path.dirname(file);
  for (const section of parsed.value) {
    out.push({ ...section, file: shown, dir });
    if (section.name !== "include") continue;
    for (const entry of section.entries) {
      if (entry.key !== "files") continue;
      const here = expandPercent(entry.value, { here: dir });
      if (!here.ok) return failAt(shown, entry.line, entry.col + here.col - 1, here.message, "`files = a.conf conf.d/*.conf`");
      for (const pattern of here.value.split(/\s+/).filter(Boolean)) {
        for (const included of expandGlob(pattern, dir)) {
          const more = readAll(included, ctx, seen);
          if (!more.ok) return more;
          out.push(...more.value);
        }
      }
    }
  }
  return { ok: true, value: out };
}

const SUPERVISOR_SECTIONS: Readonly<Record<string, string>> = {
  unix_http_server: "tsgi's control socket is `supervisor.control` (mode 0600)",
  inet_http_server: "tsgi listens on TCP only for `supervisor.http`, with a token",
  supervisorctl: "tsgi-supervise status/start/stop/restart/reload talk to the control socket",
  "rpcinterface:supervisor": "tsgi's control API is HTTP+JSON on the control socket",
};

export function importSupervisord(files: readonly string[], ctx: ImportContext): Parsed<ImportedSite[]> {
  const sections: FileSection[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    const read = readAll(file, ctx, seen);
    if (!read.ok) return read;
    sections.push(...read.value);
  }
  const envVars: Record<string, string> = {};
  for (const [key, value] of Object.entries(ctx.options.env)) if (value !== undefined) envVars[`ENV_${key}`] = value;
  const sites: ImportedSite[] = [];
  let globalEnv: [string, string][] = [];
  for (const section of sections) {
    const at: SourceRef = { file: section.file, line: section.line };
    const [type, name = ""] = section.name.split(":", 2);
    if (section.name === "supervisord") {
      const env = supervisordSection(section, ctx, envVars);
      if (!env.ok) return env;
      globalEnv = env.value;
    } else if (type === "program" && name !== "") {
      const made = program(section, name, ctx, envVars, globalEnv);
      if (!made.ok) return made;
      sites.push(...made.value);
    } else if (type === "fcgi-program" || type === "eventlistener") {
      const command = section.entries.find((e) => e.key === "command")?.value ?? "";
      ctx.log.unmapped(
        at,
        `[${section.name}]`,
        type === "eventlistener"
          ? `tsgi has no event listeners (command: ${command}); the dashboard, /metrics and \`status --json\` report the same events`
          : `a FastCGI program (command: ${command}) needs a FastCGI front end; run it as a \`command\` site with \`listen:\` if it can serve HTTP`,
      );
    } else if (type === "group") {
      ctx.log.unmapped(at, `[${section.name}]`, "tsgi has no process groups; act on the sites by name (`--only a,b`, `restart NAME`)");
    } else if (section.name === "include") {
      // Read above.
    } else if (SUPERVISOR_SECTIONS[section.name] !== undefined) {
      ctx.log.notes.push(`[${section.name}] (${section.file}:${section.line}): ${SUPERVISOR_SECTIONS[section.name]}`);
    } else {
      ctx.log.unmapped(at, `[${section.name}]`, "not a section supervisord documents");
    }
  }
  return { ok: true, value: sites };
}

/** `[supervisord]`: its `environment` reaches every program; the rest are supervisord's own. */
function supervisordSection(section: FileSection, ctx: ImportContext, envVars: Record<string, string>): Parsed<[string, string][]> {
  let env: [string, string][] = [];
  for (const entry of section.entries) {
    const at = { file: section.file, line: entry.line };
    if (entry.key === "environment") {
      const parsed = environment(entry, section, { ...envVars, here: section.dir });
      if (!parsed.ok) return parsed;
      env = parsed.value;
    } else if (entry.key === "nodaemon" || entry.key === "silent") {
      // tsgi always runs in the foreground.
    } else if (entry.key === "logfile" || entry.key === "logfile_maxbytes" || entry.key === "logfile_backups" || entry.key === "loglevel") {
      ctx.log.unmapped(
        at,
        `[supervisord] ${entry.key}=${entry.value}`,
        "tsgi logs to stderr and each site to `supervisor.logs` (rotated at `supervisor.logMaxSize`)",
      );
    } else {
      ctx.log.unmapped(at, `[supervisord] ${entry.key}=${entry.value}`, "a setting of supervisord itself");
    }
  }
  return { ok: true, value: env };
}

function environment(entry: IniEntry, section: FileSection, vars: Record<string, string | number>): Parsed<[string, string][]> {
  const expanded = expandPercent(entry.value, vars);
  if (!expanded.ok)
    return failAt(section.file, entry.line, entry.col + expanded.col - 1, expanded.message, "`%(ENV_NAME)s` of a set variable");
  const pairs = parseEnvironment(expanded.value.replace(/\n/g, " "));
  if (!pairs.ok) return failAt(section.file, entry.line, entry.col + pairs.col - 1, pairs.message, '`KEY="value",OTHER="value"`');
  return { ok: true, value: pairs.pairs };
}

function program(
  section: FileSection,
  name: string,
  ctx: ImportContext,
  envVars: Record<string, string>,
  globalEnv: readonly [string, string][],
): Parsed<ImportedSite[]> {
  const get = (key: string): IniEntry | undefined => section.entries.find((e) => e.key === key);
  const numprocs = Number(get("numprocs")?.value ?? "1");
  const start = Number(get("numprocs_start")?.value ?? "0");
  if (!Number.isInteger(numprocs) || numprocs < 1) {
    const entry = get("numprocs");
    return failAt(section.file, entry?.line ?? section.line, entry?.col ?? 1, `numprocs is \`${entry?.value}\``, "a whole number ≥ 1");
  }
  const perProcess = section.entries.some((e) => e.key !== "process_name" && /%\(process_num\)/.test(e.value));
  const count = perProcess ? numprocs : 1;
  const sites: ImportedSite[] = [];
  for (let n = start; n < start + count; n++) {
    const vars = {
      ...envVars,
      here: section.dir,
      program_name: name,
      group_name: name,
      process_num: n,
      numprocs,
      host_node_name: "localhost",
    };
    const processName = expandPercent(get("process_name")?.value ?? "%(program_name)s", vars);
    const siteName = processName.ok ? processName.value : name;
    const draft = ctx.site(siteName, { file: section.file, line: section.line }, `[${section.name}]${count > 1 ? ` process ${n}` : ""}`);
    const done = programKeys(section, draft, ctx, vars, globalEnv, !perProcess && numprocs > 1 ? numprocs : 1);
    if (!done.ok) return done;
    sites.push(draft.done());
  }
  return { ok: true, value: sites };
}

function programKeys(
  section: FileSection,
  site: SiteDraft,
  ctx: ImportContext,
  vars: Record<string, string | number>,
  globalEnv: readonly [string, string][],
  processes: number,
): Parsed<undefined> {
  const seconds = (entry: IniEntry): string | undefined =>
    /^\d+$/.test(entry.value) ? formatDuration(Number(entry.value) * 1000) : undefined;
  for (const [key, value] of globalEnv) site.env(key, value);
  let autorestart: string | undefined;
  let exitcodes = "0";
  for (const entry of section.entries) {
    const at = { file: section.file, line: entry.line };
    const expanded = expandPercent(entry.value, vars);
    if (!expanded.ok)
      return failAt(section.file, entry.line, entry.col + expanded.col - 1, expanded.message, "a `%(name)s` supervisord defines, or `%%`");
    const value = expanded.value;
    const bad = (expected: string): Parsed<undefined> =>
      failAt(section.file, entry.line, entry.col, `${entry.key} is \`${entry.value}\``, expected);
    switch (entry.key) {
      case "command": {
        const argv = shlexSplit(value.replace(/\n/g, " "));
        if (!argv.ok) return failAt(section.file, entry.line, entry.col + argv.col - 1, argv.message, "a closed quote");
        if (argv.argv.length === 0) return bad("a command line");
        site.set("command", argv.argv);
        break;
      }
      case "directory":
        site.set("cwd", ctx.pathFor(path.resolve(section.dir, value)));
        break;
      case "environment": {
        const pairs = environment(entry, section, vars);
        if (!pairs.ok) return pairs;
        for (const [k, v] of pairs.value) site.env(k, v);
        break;
      }
      case "user":
        site.set("user", value);
        break;
      case "autostart": {
        const b = parseBool(value);
        if (b === undefined) return bad("true or false");
        site.set("autostart", b);
        break;
      }
      case "autorestart":
        if (!["true", "false", "unexpected"].includes(value.toLowerCase())) return bad("true, false or unexpected");
        autorestart = value.toLowerCase();
        break;
      case "exitcodes":
        exitcodes = value;
        break;
      case "startsecs": {
        const d = seconds(entry);
        if (d === undefined) return bad("a whole number of seconds");
        site.set("ready", { delay: d }, "startsecs: up this long = started");
        break;
      }
      case "startretries":
        if (!/^\d+$/.test(value)) return bad("a whole number");
        site.set(
          "maxRestarts",
          { count: Math.max(1, Number(value)) },
          "startretries (tsgi counts every crash within 60s, not only failed starts)",
        );
        break;
      case "stopsignal":
        site.set("stopSignal", value.toUpperCase().startsWith("SIG") ? value.toUpperCase() : `SIG${value.toUpperCase()}`);
        break;
      case "stopwaitsecs": {
        const d = seconds(entry);
        if (d === undefined) return bad("a whole number of seconds");
        site.set("stopTimeout", d);
        break;
      }
      case "stopasgroup":
      case "killasgroup":
        if (parseBool(value) === false) ctx.log.warn(at, `${entry.key}=false: tsgi always signals the site's whole process group`);
        site.note(`${entry.key}=${value}: tsgi always signals the whole process group`);
        break;
      case "redirect_stderr":
        site.note(`redirect_stderr=${value}: tsgi writes stdout and stderr to the site's one log`);
        break;
      case "stdout_logfile":
      case "stderr_logfile":
        if (value === "AUTO") site.note(`${entry.key}=AUTO: tsgi keeps each site's log in \`supervisor.logs\``);
        else
          site.unmapped(at, `${entry.key}=${value}`, "tsgi writes each site's output to `supervisor.logs/NAME.log` (and its own stdout)");
        break;
      case "stdout_logfile_maxbytes":
      case "stderr_logfile_maxbytes": {
        const bytes = parseBytes(value);
        site.unmapped(
          at,
          `${entry.key}=${value}`,
          `rotation is supervisor-wide: \`supervisor: {logMaxSize: ${bytes !== undefined && bytes > 0 ? formatSize(bytes) : "10MB"}}\``,
        );
        break;
      }
      case "stdout_logfile_backups":
      case "stderr_logfile_backups":
        site.unmapped(
          at,
          `${entry.key}=${value}`,
          `rotation is supervisor-wide: \`supervisor: {logKeep: ${/^\d+$/.test(value) && value !== "0" ? value : 5}}\``,
        );
        break;
      case "numprocs":
        if (processes > 1) site.set("processes", processes, `numprocs=${value}`);
        break;
      case "process_name":
      case "numprocs_start":
        break;
      case "priority":
        site.unmapped(at, `priority=${value}`, "tsgi starts sites together; order them with `dependsOn` where one needs another");
        break;
      default:
        site.unmapped(at, `${entry.key}=${entry.value}`, "no tsgi key for it");
    }
  }
  if (!site.has("command"))
    return failAt(section.file, section.line, 1, `[${section.name}] has no command=`, "`command = /path/to/program args`");
  const codes = exitcodes.split(",").map((c) => c.trim());
  const restart = autorestart === "true" ? "always" : autorestart === "false" ? "never" : "on-failure";
  site.set(
    "restart",
    restart,
    `autorestart=${autorestart ?? "unexpected (supervisord's default)"}${restart === "on-failure" ? `, exitcodes=${exitcodes}` : ""}`,
  );
  if (restart === "on-failure" && !(codes.length === 1 && codes[0] === "0")) {
    const line = section.entries.find((e) => e.key === "exitcodes")?.line ?? section.line;
    site.unmapped({ file: section.file, line }, `exitcodes=${exitcodes}`, "tsgi's on-failure restarts on any exit but 0");
  }
  return { ok: true, value: undefined };
}
