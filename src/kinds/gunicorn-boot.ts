/**
 * How a `wsgi:` site runs gunicorn.
 *
 * gunicorn is started by the site's own interpreter with `-c BOOT`, never through a shell. The
 * bootstrap sets `LISTEN_PID` to the interpreter's own pid so gunicorn adopts fd 3 in its
 * systemd mode: unlike `--bind fd://3`, that mode leaves a unix socket's path in place when
 * gunicorn exits, so the next generation is still reachable. It also installs a
 * `post_worker_init` hook — called after the worker imported the application — that writes
 * `{"type":"ready"}` to the notify pipe: readiness of exactly this generation. A
 * `post_worker_init` of the project's own `gunicorn.conf.py` still runs, first.
 *
 * Django imports the URLconf, and with it every view, only on the first request, so a broken
 * `views.py` would pass an import of `wsgi.py` and go live. The hook imports the root URLconf
 * first: a broken view fails this generation's readiness (a reload keeps the old one serving),
 * naming the file and line. It also reports the project's own loaded modules (not the
 * stdlib's or installed packages') so hot reload watches those outside the site's folder too.
 *
 * When the supervisor dies, gunicorn goes too: the master watches its parent pid (a thread),
 * and each worker asks for PR_SET_PDEATHSIG from the master through ctypes.
 *
 * Under uvicorn's worker class (`asgiServer: gunicorn`) each worker's shutdown keeps a request
 * on a connection accepted just before the stop signal (`python-uvicorn-settle.ts`).
 */
import type { ResolvedSite, SiteKind } from "../config/types.js";
import { PY_MIDDLEWARE } from "./python-middleware.js";
import { PYTHON_NOTIFY } from "./python-notify.js";
import { PY_UVICORN_SETTLE } from "./python-uvicorn-settle.js";

export const GUNICORN_BOOT = `
import json, os, signal, stat, sys, threading, time
os.environ["LISTEN_PID"] = str(os.getpid())
os.environ["LISTEN_FDS"] = "1"
${PYTHON_NOTIFY}
try:
    from gunicorn.app.wsgiapp import WSGIApplication
except ImportError as error:
    _notify({"type": "error", "message": "%s cannot import gunicorn (%s) - install it into that environment" % (sys.executable, error)})
    sys.stderr.write("tsgi: %s cannot import gunicorn: %s\\n" % (sys.executable, error))
    sys.exit(3)
def _watch_parent(parent):
    while os.getppid() == parent:
        time.sleep(0.25)
    os.kill(os.getpid(), signal.SIGTERM)
def _end_with_parent():
    # The worker's parent is the master: PR_SET_PDEATHSIG (1) ends it with the master; where
    # ctypes or prctl is missing, a thread watches the parent pid instead.
    parent = os.getppid()
    try:
        import ctypes
        if ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM), 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl")
    except Exception:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
        return
    if os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGTERM)
${PY_UVICORN_SETTLE}
def _ready(worker, user_hook):
    _end_with_parent()
    if type(worker).__module__.startswith("uvicorn."):
        _tsgi_settle_uvicorn()
    try:
        user_hook(worker)
        _warm_up()
    except Exception as error:
        message = {"type": "error", "message": "%s: %s" % (type(error).__name__, error)}
        message.update(_where(error))
        _notify(message)
        raise
    _notify({"type": "loaded", "files": _own_files()})
    _notify({"type": "ready", "pid": os.getpid()})
${PY_MIDDLEWARE}
class _TsgiApplication(WSGIApplication):
    def load(self):
        # In each worker, after it imported the application: \`middleware:\` wraps it here.
        app = super().load()
        try:
            return _tsgi_wrap(app)
        except _TsgiMiddlewareError as error:
            _notify({"type": "error", "message": str(error)})
            sys.stderr.write("tsgi: %s\\n" % error)
            raise
    def load_config(self):
        super().load_config()
        user_hook = self.cfg.post_worker_init
        self.cfg.set("post_worker_init", lambda worker: _ready(worker, user_hook))
sys.argv = ["gunicorn"] + sys.argv[1:]
# The master drains and exits when the supervisor dies (its parent pid changes), like the app
# worker; the launch wrapper's parent-death signal usually gets there first.
threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
_TsgiApplication("%(prog)s [OPTIONS] [APP_MODULE]").run()
`.trim();

export function gunicornArgs(site: ResolvedSite, kind: Extract<SiteKind, { type: "wsgi" }>): string[] {
  return gunicornArgsFor(site, kind.threads, kind.target);
}

/** gunicorn's options for one site; `extra` goes before the application (a worker class). */
export function gunicornArgsFor(site: ResolvedSite, threads: number, target: string, extra: readonly string[] = []): string[] {
  return [
    "--workers",
    "1",
    "--threads",
    String(threads),
    // gunicorn's own graceful timeout matches the site's, so it finishes requests as tsgi expects.
    "--graceful-timeout",
    String(Math.max(1, Math.ceil(site.stopTimeoutMs / 1000))),
    "--name",
    site.name,
    ...extra,
    target,
  ];
}
