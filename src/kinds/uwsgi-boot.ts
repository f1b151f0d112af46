/**
 * How a `wsgi:` site with `wsgiServer: uwsgi` runs uWSGI (Debian `uwsgi-core` +
 * `uwsgi-plugin-python3`): one uWSGI master with one worker per supervised process, as with
 * gunicorn, serving HTTP on tsgi's socket.
 *
 * Three things uWSGI does its own way, each handled here (checked with uWSGI 2.0.21):
 * - With `LISTEN_FDS` set, uWSGI adopts fd 3 by itself as a uwsgi-protocol socket, and adding
 *   `--http-socket fd://3` then fails (`epoll_ctl(): File exists`). The launcher drops
 *   `LISTEN_FDS`/`LISTEN_PID` and passes `--http-socket fd://3` only.
 * - `--http-socket fd://3` never calls `listen()`, and tsgi binds without listening, so the
 *   launcher — the site's interpreter, before it execs uWSGI — puts fd 3 in the listening state.
 * - uWSGI's SIGTERM is a brutal reload and its SIGHUP a graceful reload, never a stop. A uwsgi
 *   site's stop signal is SIGHUP (see `config/resolve.ts`), and `--hook-master-start
 *   "unix_signal:N gracefully_kill_them_all"` turns that signal into a graceful shutdown: the
 *   worker finishes its requests, the master exits 0. tsgi's reload stays tsgi's: a new
 *   generation of masters first, uWSGI's own chain reload is never used.
 *
 * The application is loaded (and wrapped by the site's `middleware:`) by `--eval` code
 * (`UWSGI_APP_BOOT`) in the master before it forks, so
 * an import error fails the generation (`--need-app`) with file and line on the notify pipe, and
 * Django's URLconf is imported there as for gunicorn. Readiness is reported by the worker, after
 * the fork (`uwsgi.post_fork_hook`): the new generation really serves.
 */
import { existsSync } from "node:fs";
import { constants } from "node:os";
import path from "node:path";
import type { ResolvedSite, SiteKind } from "../config/types.js";
import { middlewareEnv, PY_MIDDLEWARE } from "./python-middleware.js";
import { PYTHON_NOTIFY } from "./python-notify.js";
import type { LaunchPlan } from "./site-kind.js";

type WsgiKind = Extract<SiteKind, { type: "wsgi" }>;

/** The program the launcher execs, looked up on the site's PATH (Debian: /usr/bin/uwsgi). */
export const UWSGI_PROGRAM = "uwsgi";
/** gunicorn's backlog, so both servers queue as many connections between generations. */
const BACKLOG = 2048;

/** Run by the site's interpreter: listen on fd 3, leave systemd's variables out, exec uWSGI. */
export const UWSGI_LAUNCH = `
import os, socket, sys
try:
    listening = socket.socket(fileno=3)
    listening.listen(${BACKLOG})
    listening.detach()
except OSError as error:
    sys.stderr.write("tsgi: fd 3 is not the site's socket (%s)\\n" % error)
    sys.exit(3)
os.environ.pop("LISTEN_FDS", None)
os.environ.pop("LISTEN_PID", None)
try:
    os.execvp(sys.argv[1], sys.argv[1:])
except OSError as error:
    sys.stderr.write("tsgi: cannot run %s: %s - install uWSGI (Debian: apt-get install uwsgi-core uwsgi-plugin-python3)\\n" % (sys.argv[1], error))
    sys.exit(3)
`.trim();

/** uWSGI's `--eval`: the WSGI entry point, named by `TSGI_WSGI_TARGET`. */
export const UWSGI_APP_BOOT = `
import ast, importlib, json, os, stat, sys
${PYTHON_NOTIFY}
sys.path.insert(0, os.getcwd())
def _load(target):
    module_name, _, expression = target.partition(":")
    module = importlib.import_module(module_name)
    name, _, call = expression.partition("(")
    value = module
    for part in name.split("."):
        value = getattr(value, part)
    if call:
        node = ast.parse(expression, mode="eval").body
        value = value(*[ast.literal_eval(a) for a in node.args], **{k.arg: ast.literal_eval(k.value) for k in node.keywords})
    return value
${PY_MIDDLEWARE}
try:
    application = _tsgi_wrap(_load(os.environ.pop("TSGI_WSGI_TARGET")))
    _warm_up()
except _TsgiMiddlewareError as error:
    _notify({"type": "error", "message": str(error)})
    raise
except Exception as error:
    _fail(error)
    raise
_notify({"type": "loaded", "files": _own_files()})
import uwsgi
uwsgi.post_fork_hook = lambda: _notify({"type": "ready", "pid": os.getpid()})
`.trim();

/** A virtualenv's interpreter (`VENV/bin/python` beside `VENV/pyvenv.cfg`) → uWSGI's `--home`. */
export function virtualenvOf(python: string, exists: (file: string) => boolean = existsSync): string | undefined {
  if (!path.isAbsolute(python)) return undefined;
  const home = path.dirname(path.dirname(python));
  return exists(path.join(home, "pyvenv.cfg")) ? home : undefined;
}

export function uwsgiArgs(site: ResolvedSite, kind: WsgiKind, home = virtualenvOf(kind.python)): string[] {
  const signal = constants.signals[site.stopSignal];
  const stopS = Math.max(1, Math.ceil(site.stopTimeoutMs / 1000));
  return [
    "--strict",
    "--plugin",
    "python3",
    "--need-app",
    "--master",
    "--processes",
    "1",
    "--threads",
    String(kind.threads),
    "--enable-threads",
    "--single-interpreter",
    "--http-socket",
    "fd://3",
    ...(home === undefined ? [] : ["--home", home]),
    "--hook-master-start",
    `unix_signal:${signal} gracefully_kill_them_all`,
    // The worker's time to finish its requests on that signal: the site's stopTimeout.
    "--worker-reload-mercy",
    String(stopS),
    // The worker ends with its master, even if the master is SIGKILLed.
    "--no-orphans",
    // No line per request, as gunicorn without --access-logfile; UWSGI_* variables can turn it on.
    "--disable-logging",
    "--buffer-size",
    "32768",
    "--eval",
    UWSGI_APP_BOOT,
  ];
}

export function uwsgiLaunch(site: ResolvedSite, kind: WsgiKind): LaunchPlan {
  const args = uwsgiArgs(site, kind);
  const shown = args.map((arg) => (arg === UWSGI_APP_BOOT ? "<tsgi uwsgi app boot>" : arg));
  return {
    file: kind.python,
    args: ["-c", UWSGI_LAUNCH, UWSGI_PROGRAM, ...args],
    env: { PYTHONUNBUFFERED: "1", TSGI_WSGI_TARGET: kind.target, ...middlewareEnv(kind.middleware) },
    display: [kind.python, "-c", "<tsgi uwsgi launcher>", UWSGI_PROGRAM, ...shown],
  };
}

/**
 * uWSGI as an exported unit or container runs it (`export systemd|kubernetes`): no launcher and
 * no tsgi boot. systemd's socket is already listening, and uWSGI reports READY=1 to systemd
 * itself; `env -u` keeps systemd's `LISTEN_FDS` from uWSGI, as tsgi's launcher does. In a pod,
 * uWSGI binds its port itself (`bind`).
 */
export function uwsgiExportArgv(site: ResolvedSite, kind: WsgiKind, bind: string | undefined): string[] {
  const args = uwsgiArgs(site, kind);
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === "fd://3" && bind !== undefined) out.push(bind);
    else if (arg === "--eval") {
      out.push("--module", kind.target);
      i += 1;
    } else out.push(arg);
  }
  return ["env", "-u", "LISTEN_FDS", "-u", "LISTEN_PID", UWSGI_PROGRAM, ...out];
}
