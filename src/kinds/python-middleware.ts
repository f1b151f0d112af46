/**
 * `middleware:` of `wsgi:` and `asgi:` sites: a Python snippet every server boot of tsgi
 * includes (gunicorn's, the ASGI servers', uWSGI's), so the wrapping is one piece of code.
 *
 * `_tsgi_wrap(app)` reads the dotted paths from `TSGI_PY_MIDDLEWARE` (a JSON list) and applies
 * them in order — `app = wrapper(app)`, so the first listed wraps the application itself, as
 * `application = HelloWorldApplication(application)` at the bottom of `wsgi.py` would. A
 * wrapper that cannot be imported, or raises, becomes `_TsgiMiddlewareError` with one sentence
 * naming it; the boots report that on the notify pipe, so the start (or reload) fails with it.
 */

export const MIDDLEWARE_VAR = "TSGI_PY_MIDDLEWARE";

export const PY_MIDDLEWARE = `
class _TsgiMiddlewareError(Exception):
    pass
def _tsgi_import(path):
    import importlib
    if ":" in path:
        module, _, attr = path.partition(":")
    else:
        module, _, attr = path.rpartition(".")
    found = importlib.import_module(module)
    for part in attr.split("."):
        found = getattr(found, part)
    return found
def _tsgi_wrap(app):
    import json, os
    for path in json.loads(os.environ.get("${MIDDLEWARE_VAR}") or "[]"):
        try:
            wrapper = _tsgi_import(path)
        except Exception as error:
            raise _TsgiMiddlewareError("middleware %s cannot be imported (%s: %s) - check the dotted path and that its package is installed for %s" % (path, type(error).__name__, error, __import__("sys").executable))
        try:
            app = wrapper(app)
        except Exception as error:
            raise _TsgiMiddlewareError("middleware %s raised %s: %s when wrapping the application" % (path, type(error).__name__, error))
    return app
`.trim();

/** The variable carrying a site's middleware to `_tsgi_wrap`; none when the site has none. */
export function middlewareEnv(paths: readonly string[]): Record<string, string> {
  return paths.length === 0 ? {} : { [MIDDLEWARE_VAR]: JSON.stringify(paths) };
}

/**
 * For the preflights, after their import of the application module (named by `sys.argv[1]`):
 * applies the site's middleware once, so a wrapper that cannot be imported or raises stops the
 * first start with its one sentence instead of a crash loop of workers.
 */
export const MIDDLEWARE_CHECK = `
${PY_MIDDLEWARE}
_module, _, _attr = sys.argv[1].partition(":")
_app = importlib.import_module(_module)
for _part in _attr.split("(")[0].split("."):
    _app = getattr(_app, _part, None)
try:
    _tsgi_wrap(_app)
except _TsgiMiddlewareError as error:
    print("TSGI-MIDDLEWARE %s" % error)
    sys.exit(5)
`.trim();

/** The preflight's middleware sentence, when that is what failed. */
export function middlewareProblem(output: string): string | undefined {
  const line = output.split("\n").find((l) => l.startsWith("TSGI-MIDDLEWARE "));
  return line?.slice("TSGI-MIDDLEWARE ".length);
}
