/**
 * uWSGI vassal `.ini` files (or a vassal folder, as the Emperor reads it) → `wsgi:` sites, one
 * per vassal, named like the Emperor names them: after the file (`shop.ini` → `shop`).
 */
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { SITE_KEYS, type KeyTable } from "../config/schema.js";
import type { ImportContext } from "./context.js";
import { readIni, type IniEntry } from "./ini.js";
import { failAt, type ImportedSite, type Parsed, type SiteDraft } from "./model.js";
import { readText } from "./read-files.js";
import { moduleForScript, settingsDefault } from "./wsgi-module.js";

const DIALECT = { continuation: false, inlineComments: false } as const;

/** Options that say what tsgi does anyway: a comment, no warning. */
const NOTHING_TO_WRITE: Readonly<Record<string, string>> = {
  master: "tsgi is the master: it supervises each process",
  "die-on-term": "SIGTERM stops the site gracefully",
  vacuum: "tsgi owns the socket and removes it",
  plugin: "tsgi runs the site under gunicorn",
  plugins: "tsgi runs the site under gunicorn",
  "enable-threads": "threads are always enabled under gunicorn",
  strict: "tsgi rejects unknown keys itself",
  "need-app": "a site that fails to import its application does not start",
  "single-interpreter": "gunicorn runs one interpreter per process",
  "thunder-lock": "the kernel spreads connections over the processes on one socket",
  "lazy-apps": "each process imports the application itself",
};

/** Does this tsgi accept `processes: {min, max}` (on-demand sites)? */
function processRangeSupported(): boolean {
  return (SITE_KEYS as KeyTable)["processes"]?.type.type !== "integer";
}

/** Vassal formats the Emperor also reads; this importer reads `.ini` only, and says so. */
const OTHER_VASSALS = [".xml", ".yml", ".yaml", ".json", ".js"];

/** The vassal files among `inputs`: `.ini` files as given, folders as the Emperor scans them. */
export function vassalFiles(inputs: readonly string[], ctx: ImportContext): string[] {
  return inputs.flatMap((input) => {
    try {
      if (!statSync(input).isDirectory()) return [input];
    } catch {
      return [input];
    }
    const names = readdirSync(input).sort();
    for (const name of names.filter((n) => OTHER_VASSALS.includes(path.extname(n)))) {
      ctx.log.unmapped(
        { file: ctx.display(path.join(input, name)), line: 1 },
        `vassal ${name}`,
        "only .ini vassals are imported; write it as an .ini first",
      );
    }
    return names.filter((name) => name.endsWith(".ini")).map((name) => path.join(input, name));
  });
}

export function importUwsgi(inputs: readonly string[], ctx: ImportContext): Parsed<ImportedSite[]> {
  const sites: ImportedSite[] = [];
  for (const file of vassalFiles(inputs, ctx)) {
    const made = vassal(file, ctx);
    if (!made.ok) return made;
    sites.push(made.value);
  }
  return { ok: true, value: sites };
}

/** uWSGI's socket spelling → `listen:`; `undefined` for `=N` (a descriptor it inherited). */
function listenOf(value: string, dir: string): string | undefined {
  if (value.startsWith("=")) return undefined;
  if (value.startsWith(":")) return `0.0.0.0${value}`;
  if (value.includes("/") || value.endsWith(".sock")) return `unix:${path.resolve(dir, value)}`;
  return value;
}

function vassal(file: string, ctx: ImportContext): Parsed<ImportedSite> {
  const shown = ctx.display(file);
  const text = readText(file, shown);
  if (!text.ok) return text;
  const parsed = readIni(text.value, shown, DIALECT);
  if (!parsed.ok) return parsed;
  const section = parsed.value.find((s) => s.name === "uwsgi");
  if (section === undefined) return failAt(shown, 1, 1, "no [uwsgi] section", "the vassal's options under `[uwsgi]`");
  const base = path.basename(file, path.extname(file));
  const dir = path.dirname(file);
  const options = new Map<string, string>();
  const magic = (value: string): string =>
    value
      .replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (_, name: string) => ctx.options.env[name] ?? "")
      .replace(/%\(([^)]+)\)/g, (_, name: string) => options.get(name) ?? "")
      .replace(/%d/g, `${dir}/`)
      .replace(/%n/g, base)
      .replace(/%s/g, path.basename(file))
      .replace(/%p/g, file);
  for (const other of parsed.value) {
    if (other !== section)
      ctx.log.unmapped({ file: shown, line: other.line }, `[${other.name}]`, "uWSGI reads only [uwsgi] unless told otherwise");
  }
  const site = ctx.site(base, { file: shown, line: section.line }, `vassal ${path.basename(file)}`);
  const gunicornArgs: string[] = [];
  let module: string | undefined;
  let callable = "application";
  let script: { entry: IniEntry; path: string } | undefined;
  let chdir: string | undefined;
  const pythonPath: string[] = [];
  const watch: string[] = [];
  let processes: number | undefined;
  let cheaper: number | undefined;
  let cheaperLine = section.line;
  for (const entry of section.entries) {
    const key = entry.key.replace(/_/g, "-");
    const value = magic(entry.value);
    options.set(entry.key, value);
    const at = { file: shown, line: entry.line };
    const bad = (expected: string): Parsed<ImportedSite> =>
      failAt(shown, entry.line, entry.col, `${entry.key} is \`${entry.value}\``, expected);
    const whole = (): number | undefined => (/^\d+$/.test(value) ? Number(value) : undefined);
    switch (key) {
      case "module":
      case "wsgi": {
        const [mod, call] = value.split(":");
        module = mod;
        if (call !== undefined) callable = call;
        break;
      }
      case "callable":
        callable = value;
        break;
      case "wsgi-file":
      case "file":
        script = { entry, path: value };
        break;
      case "chdir":
        chdir = path.resolve(dir, value);
        break;
      case "home":
      case "virtualenv":
      case "venv":
      case "pyhome":
        site.set("python", path.join(path.resolve(dir, value), "bin/python"), `${entry.key}=${entry.value}`);
        break;
      case "pythonpath":
      case "python-path":
      case "pp":
        pythonPath.push(path.resolve(dir, value));
        break;
      case "env": {
        const eq = value.indexOf("=");
        if (eq <= 0) return bad("`env = NAME=value`");
        site.env(value.slice(0, eq), value.slice(eq + 1));
        break;
      }
      case "processes":
      case "workers":
        processes = whole();
        if (processes === undefined || processes < 1) return bad("a whole number ≥ 1");
        break;
      case "threads": {
        const n = whole();
        if (n === undefined || n < 1) return bad("a whole number ≥ 1");
        site.set("threads", n);
        break;
      }
      case "cheaper":
        cheaper = whole();
        cheaperLine = entry.line;
        if (cheaper === undefined) return bad("a whole number");
        break;
      case "cheaper-algo":
      case "cheaper-initial":
      case "cheaper-step":
      case "cheaper-overload":
        site.note(`${entry.key}=${value}: tsgi adds a process when connections wait and stops one idle for \`idle\``);
        break;
      case "http-socket":
      case "http":
      case "socket":
      case "uwsgi-socket": {
        const listen = listenOf(value, dir);
        if (listen === undefined) {
          site.unmapped(at, `${entry.key}=${entry.value}`, "an inherited file descriptor; tsgi binds the site's socket itself (`listen:`)");
        } else if (site.has("listen")) {
          site.unmapped(at, `${entry.key}=${entry.value}`, "a site has one socket; this one is left to the front server");
        } else if (key === "http-socket") {
          site.set("listen", listen, `${entry.key}=${entry.value}`);
        } else if (key === "http") {
          site.set("listen", listen, `${entry.key}=${entry.value}: gunicorn serves HTTP itself, no router process`);
        } else {
          site.set("listen", listen, `${entry.key}=${entry.value}`);
          site.note(
            "uWSGI's `socket` speaks the uwsgi protocol; tsgi's site speaks HTTP: point the front server at it with proxy_pass / ProxyPass http://…",
          );
          ctx.log.warn(at, `${entry.key}=${entry.value} was a uwsgi-protocol socket; the front server must now speak HTTP to this address`);
        }
        break;
      }
      case "uid":
        site.set("user", value);
        break;
      case "gid":
        site.set("group", value);
        break;
      case "reload-on-rss": {
        const n = whole();
        if (n === undefined) return bad("a whole number of megabytes");
        site.set("maxMemory", `${n}MB`, `${entry.key}=${entry.value}: replaced gracefully`);
        break;
      }
      case "harakiri":
        if (whole() === undefined) return bad("a whole number of seconds");
        gunicornArgs.push("--timeout", value);
        break;
      case "max-requests":
        if (whole() === undefined) return bad("a whole number");
        gunicornArgs.push("--max-requests", value);
        break;
      case "touch-reload":
        watch.push(path.resolve(dir, value));
        break;
      case "py-autoreload":
        site.set("watch", true, `${entry.key}=${entry.value}`);
        break;
      default:
        if (NOTHING_TO_WRITE[key] !== undefined) site.note(`${entry.key}=${value}: nothing to write (${NOTHING_TO_WRITE[key]})`);
        else site.unmapped(at, `${entry.key}=${entry.value}`, "no tsgi key for it");
    }
  }
  const cwd = chdir ?? dir;
  if (script !== undefined) {
    const found = moduleForScript(path.resolve(cwd, script.path), [cwd, ...pythonPath]);
    if (!found.ok) return failAt(shown, script.entry.line, script.entry.col, found.reason, "a `.py` file under `chdir`");
    module = found.module;
    if (found.cwd !== cwd) pythonPath.unshift(found.cwd);
    const settings = settingsDefault(path.resolve(cwd, script.path));
    if (settings !== undefined) site.set("settings", settings, "what the WSGI file setdefault()s");
  }
  if (module === undefined)
    return failAt(
      shown,
      section.line,
      1,
      "the vassal names no application",
      "`module = pkg.wsgi:application` or `wsgi-file = pkg/wsgi.py`",
    );
  finish(site, ctx, {
    module,
    callable,
    cwd,
    pythonPath,
    watch,
    processes,
    cheaper,
    gunicornArgs,
    at: { file: shown, line: cheaperLine },
  });
  return { ok: true, value: site.done() };
}

function finish(
  site: SiteDraft,
  ctx: ImportContext,
  parts: {
    module: string;
    callable: string;
    cwd: string;
    pythonPath: readonly string[];
    watch: readonly string[];
    processes: number | undefined;
    cheaper: number | undefined;
    gunicornArgs: readonly string[];
    at: { file: string; line: number };
  },
): void {
  site.lines.unshift({ type: "key", key: "wsgi", value: `${parts.module}:${parts.callable}`, comment: undefined });
  const cwd = ctx.pathFor(parts.cwd);
  if (cwd !== ".") site.lines.splice(1, 0, { type: "key", key: "cwd", value: cwd, comment: undefined });
  if (!site.has("listen")) {
    const port = ctx.nextPort();
    site.set("listen", `127.0.0.1:${port}`, "the vassal named no socket; tsgi needs one");
  }
  if (parts.cheaper !== undefined && parts.processes !== undefined) {
    if (processRangeSupported()) site.set("processes", { min: parts.cheaper, max: parts.processes }, "cheaper … processes");
    else {
      site.set("processes", parts.processes);
      site.unmapped(parts.at, `cheaper=${parts.cheaper}`, "this tsgi runs a fixed number of processes");
    }
  } else if (parts.processes !== undefined) site.set("processes", parts.processes);
  const underCwd = (p: string): string => (path.relative(parts.cwd, p).startsWith("..") ? p : path.relative(parts.cwd, p) || ".");
  if (parts.watch.length > 0) site.set("watch", parts.watch.map(underCwd), "touch-reload: a change reloads the site gracefully");
  const pythonPath = [...new Set(parts.pythonPath)].filter((p) => p !== parts.cwd);
  if (pythonPath.length > 0) site.env("PYTHONPATH", pythonPath.join(":"));
  if (parts.gunicornArgs.length > 0) site.env("GUNICORN_CMD_ARGS", parts.gunicornArgs.join(" "));
}
