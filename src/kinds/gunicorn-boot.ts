/**
 * How a `wsgi:` site runs gunicorn.
 *
 * gunicorn is started by the site's own interpreter with `-c BOOT`, never through a shell. The
 * bootstrap sets `LISTEN_PID` to the interpreter's own pid so gunicorn adopts fd 3 in its
 * systemd mode: unlike `--bind fd://3`, that mode leaves a unix socket's path in place when
 * gunicorn exits, so the next generation is still reachable. It also installs a
 * `post_worker_init` hook — called after the worker imported the application — that writes
 * `{"type":"ready"}` to the notify pipe: readiness of exactly this generation.
 */
import type { ResolvedSite, SiteKind } from "../config/types.js";

export const GUNICORN_BOOT = `
import json, os, sys
os.environ["LISTEN_PID"] = str(os.getpid())
os.environ["LISTEN_FDS"] = "1"
def _notify(message):
    try:
        os.write(4, (json.dumps(message) + "\\n").encode())
    except OSError:
        pass
try:
    from gunicorn.app.wsgiapp import WSGIApplication
except ImportError as error:
    _notify({"type": "error", "message": "%s cannot import gunicorn (%s) - install it into that environment" % (sys.executable, error)})
    sys.stderr.write("tsgi: %s cannot import gunicorn: %s\\n" % (sys.executable, error))
    sys.exit(3)
def _ready(worker):
    _notify({"type": "ready", "pid": os.getpid()})
class _TsgiApplication(WSGIApplication):
    def load_config(self):
        super().load_config()
        self.cfg.set("post_worker_init", _ready)
sys.argv = ["gunicorn"] + sys.argv[1:]
_TsgiApplication("%(prog)s [OPTIONS] [APP_MODULE]").run()
`.trim();

export function gunicornArgs(site: ResolvedSite, kind: Extract<SiteKind, { type: "wsgi" }>): string[] {
  return [
    "--workers",
    "1",
    "--threads",
    String(kind.threads),
    // gunicorn's own graceful timeout matches the site's, so it finishes requests as tsgi expects.
    "--graceful-timeout",
    String(Math.max(1, Math.ceil(site.stopTimeoutMs / 1000))),
    "--name",
    site.name,
    kind.target,
  ];
}
