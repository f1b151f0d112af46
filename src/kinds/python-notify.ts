/**
 * Python helpers a WSGI server bootstrap pastes in (needs `json, os, stat, sys` imported): the
 * notify pipe on fd 4 (`src/protocol/notify.ts`), Django's URLconf warm-up, where an import
 * failed, and the project's own loaded files for hot reload.
 *
 * - Only a pipe or socket tsgi handed over is written to: run by hand, fd 4 may be some
 *   unrelated file.
 * - Django imports the URLconf, and with it every view, only on the first request; `_warm_up`
 *   imports it first, so a broken `views.py` fails the new generation instead of going live.
 * - `_own_files` leaves out the stdlib's and installed packages' modules.
 */
export const PYTHON_NOTIFY = `
_NOTIFY_FD = int(os.environ.pop("TSGI_NOTIFY_FD", "-1"))
try:
    if _NOTIFY_FD < 0 or not (stat.S_ISFIFO(os.fstat(_NOTIFY_FD).st_mode) or stat.S_ISSOCK(os.fstat(_NOTIFY_FD).st_mode)):
        _NOTIFY_FD = -1
except OSError:
    _NOTIFY_FD = -1
def _notify(message):
    if _NOTIFY_FD < 0:
        return
    try:
        os.write(_NOTIFY_FD, (json.dumps(message) + "\\n").encode())
    except OSError:
        pass
def _warm_up():
    if "django" not in sys.modules:
        return
    from django.conf import settings
    if not settings.configured or not getattr(settings, "ROOT_URLCONF", None):
        return
    from django.urls import get_resolver
    get_resolver().url_patterns
def _where(error):
    if isinstance(error, SyntaxError) and error.filename:
        return {"file": error.filename, "line": error.lineno or 0, "column": error.offset or 0}
    import traceback
    frames = traceback.extract_tb(error.__traceback__)
    own = [f for f in frames if f.filename.startswith(os.getcwd() + os.sep)]
    frame = (own or frames or [None])[-1]
    return {} if frame is None else {"file": frame.filename, "line": frame.lineno}
def _fail(error):
    message = {"type": "error", "message": "%s: %s" % (type(error).__name__, error)}
    message.update(_where(error))
    _notify(message)
def _own_files():
    import sysconfig
    shared = {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    files = []
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if not path or not path.endswith(".py") or "-packages" + os.sep in path:
            continue
        path = os.path.abspath(path)
        if not any(path.startswith(root + os.sep) for root in shared):
            files.append(path)
    return sorted(files)
`.trim();
