/**
 * A Procfile (and the `.env` beside it, as foreman and honcho read it) → one `command` site per
 * process type. `web` gets the socket foreman would give it: `$PORT`'s value, else 5000; the
 * `$PORT` in its command line keeps working because the site's environment carries it.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { ImportContext } from "./context.js";
import { failAt, where, type ImportedSite, type Parsed, type SiteDraft, type SourceRef } from "./model.js";
import { readText } from "./read-files.js";
import { needsShell, shlexSplit } from "./shlex.js";

const FOREMAN_PORT = 5000;

/** `PORT=…` in the `.env`, read the way dotenv reads a plain line. */
function portFromEnvFile(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  const match = /^\s*(?:export\s+)?PORT\s*=\s*["']?(\d+)["']?\s*$/m.exec(readFileSync(file, "utf8"));
  return match?.[1];
}

export function importProcfile(file: string, ctx: ImportContext): Parsed<ImportedSite[]> {
  const shown = ctx.display(file);
  const text = readText(file, shown);
  if (!text.ok) return text;
  const dir = path.dirname(file);
  const envFile = path.join(dir, ".env");
  const hasEnvFile = existsSync(envFile);
  const given = ctx.options.env["PORT"] ?? portFromEnvFile(envFile);
  if (given !== undefined && !/^\d+$/.test(given))
    ctx.log.warn({ file: shown, line: 1 }, `PORT is \`${given}\`, not a port number; web gets foreman's ${FOREMAN_PORT}`);
  const port = given !== undefined && /^\d+$/.test(given) ? given : String(FOREMAN_PORT);
  const cwd = ctx.pathFor(dir);
  const sites: SiteDraft[] = [];
  let release: { at: SourceRef; command: string } | undefined;
  const lines = text.value.split(/\r?\n/);
  let index = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? "";
    if (raw.trim() === "" || raw.trim().startsWith("#")) continue;
    const match = /^([A-Za-z0-9_-]+):\s*(.*)$/.exec(raw);
    if (match === null)
      return failAt(
        shown,
        i + 1,
        1,
        `\`${raw.trim()}\` is not a process type`,
        "`name: command` (letters, digits, `-` and `_` before the colon)",
      );
    const [, type = "", command = ""] = match;
    if (command.trim() === "")
      return failAt(shown, i + 1, raw.length + 1, `process type \`${type}\` has no command`, "a command after the colon");
    const at = { file: shown, line: i + 1 };
    if (type === "release") {
      release = { at, command };
      continue;
    }
    const site = ctx.site(type, at, `process type ${type}`);
    if (cwd !== ".") site.set("cwd", cwd);
    // foreman's PORT: 5000 for the first type, +100 for each next one; `web` gets the socket.
    const typePort = type === "web" ? port : String(Number(port) + 100 * index);
    index++;
    const usesPort = /\$\{?PORT\b/.test(command);
    const line = usesPort ? command.replace(/\$\{PORT\}|\$PORT\b/g, typePort) : command;
    if (needsShell(line)) {
      site.set("command", ["sh", "-c", command], "a shell runs it, as foreman does");
    } else {
      const argv = shlexSplit(line);
      if (!argv.ok) return failAt(shown, i + 1, raw.indexOf(command) + argv.col, argv.message, "a closed quote");
      site.set("command", argv.argv, usesPort ? `$PORT is ${typePort}` : undefined);
    }
    if (hasEnvFile) site.set("envFile", ".env");
    if (type === "web") {
      site.set("listen", Number(typePort), "foreman's PORT for web");
      site.env("PORT", typePort);
      site.note(
        "tsgi binds this port and hands it to the process as fd 3 (TSGI_FD=3, LISTEN_FDS=1): serve that fd for graceful reloads; an app that keeps binding PORT itself still runs, without graceful reloads",
      );
    } else if (usesPort) {
      site.env("PORT", typePort);
    }
    sites.push(site);
  }
  if (sites.length === 0) return failAt(shown, 1, 1, "the Procfile names no process type", "lines of `name: command`");
  const web = sites.find((site) => site.name === "web");
  if (release !== undefined) {
    const argv = needsShell(release.command) ? undefined : shlexSplit(release.command);
    if (web === undefined) {
      ctx.log.unmapped(
        release.at,
        `release: ${release.command}`,
        "a one-off task before each deploy; with no web process, run it in your deploy step",
      );
    } else {
      const task = argv?.ok === true ? argv.argv : ["sh", "-c", release.command];
      web.set("before", [task], `release (${where(release.at)}): Heroku runs it once per deploy, tsgi before each new generation of web`);
    }
  }
  return { ok: true, value: sites.map((site) => site.done()) };
}
