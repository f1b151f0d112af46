/**
 * `wsgi:` — gunicorn, run by the site's interpreter through a short bootstrap
 * (`gunicorn-boot.ts`) that adopts fd 3 in gunicorn's systemd mode (setting LISTEN_PID itself)
 * and reports readiness on the notify pipe; or, with `wsgiServer: uwsgi`, uWSGI through its own
 * launcher (`uwsgi-boot.ts`), which drops LISTEN_PID/LISTEN_FDS and reports readiness the same way.
 */
import type { ResolvedSite } from "../config/types.js";
import { gunicornArgs, GUNICORN_BOOT } from "./gunicorn-boot.js";
import type { SiteKind } from "./site-kind.js";
import { middlewareEnv } from "./python-middleware.js";
import { uwsgiLaunch } from "./uwsgi-boot.js";
import { uwsgiPreflight } from "./uwsgi-preflight.js";
import { wsgiPreflight } from "./wsgi-preflight.js";

export const wsgiKind: SiteKind<Extract<ResolvedSite["kind"], { type: "wsgi" }>> = {
  type: "wsgi",
  settingsVar: "DJANGO_SETTINGS_MODULE",
  ready: { type: "notify" },
  setsListenPid: true,
  launch(site) {
    const kind = site.kind;
    if (kind.server === "uwsgi") return uwsgiLaunch(site, kind);
    const args = gunicornArgs(site, kind);
    return {
      file: kind.python,
      args: ["-c", GUNICORN_BOOT, ...args],
      // Unbuffered, so a traceback reaches the log before the process dies.
      env: { PYTHONUNBUFFERED: "1", ...middlewareEnv(kind.middleware) },
      display: [kind.python, "-c", "<tsgi gunicorn bootstrap>", ...args],
    };
  },
  preflight: (site) => (site.kind.server === "uwsgi" ? uwsgiPreflight(site, site.kind) : wsgiPreflight(site)),
};
