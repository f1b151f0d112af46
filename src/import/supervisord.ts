/**
 * `supervisord.conf` (and the files its `[include]` names) → sites: one per `[program:x]`, or
 * one per process when `numprocs` programs differ by `%(process_num)d`. `[fcgi-program:x]` and
 * `[eventlistener:x]` become commented notes; supervisord's own sections are supervisor
 * settings, named in one note each.
 */
import path from "node:path";
import type { ImportContext } from "./context.js";
import { readIni } from "./ini.js";
import { failAt, type ImportedSite, type Parsed, type SourceRef } from "./model.js";
import { expandGlob, readText } from "./read-files.js";
import { environment, program, type FileSection } from "./supervisord-program.js";
import { expandPercent } from "./supervisord-values.js";

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
