/**
 * One supervisord `[program:x]` → its site(s): each option mapped, or a comment and a warning.
 * `numprocs` programs whose options use `%(process_num)d` become one site per process.
 */
import path from "node:path";
import { formatDuration } from "../format/duration.js";
import { formatSize } from "../format/size.js";
import type { ImportContext } from "./context.js";
import type { IniEntry, IniSection } from "./ini.js";
import { failAt, type ImportedSite, type Parsed, type SiteDraft } from "./model.js";
import { shlexSplit } from "./shlex.js";
import { expandPercent, parseBool, parseBytes, parseEnvironment } from "./supervisord-values.js";

export interface FileSection extends IniSection {
  readonly file: string;
  readonly dir: string;
}

export function environment(entry: IniEntry, section: FileSection, vars: Record<string, string | number>): Parsed<[string, string][]> {
  const expanded = expandPercent(entry.value, vars);
  if (!expanded.ok)
    return failAt(section.file, entry.line, entry.col + expanded.col - 1, expanded.message, "`%(ENV_NAME)s` of a set variable");
  const pairs = parseEnvironment(expanded.value.replace(/\n/g, " "));
  if (!pairs.ok) return failAt(section.file, entry.line, entry.col + pairs.col - 1, pairs.message, '`KEY="value",OTHER="value"`');
  return { ok: true, value: pairs.pairs };
}

export function program(
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
  // [supervisord] environment= reaches every program; the program's own wins.
  for (const [key, value] of globalEnv) if (site.envValue(key) === undefined) site.env(key, value);
  if (!site.has("cwd"))
    site.note("no directory=: supervisord ran it in its own working directory; tsgi runs it in the folder of sites.yaml");
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
