/**
 * `asgi:` — an ASGI application (Django's `asgi.py`) under uvicorn, hypercorn or daphne through
 * tsgi's ASGI bootstrap (`asgi-boot.ts`), or under gunicorn with uvicorn's worker class through
 * the gunicorn bootstrap. Each adopts fd 3; readiness is an HTTP probe of the new generation.
 */
import type { ResolvedSite } from "../config/types.js";
import { ASGI_BOOT } from "./asgi-boot.js";
import { asgiPreflight } from "./asgi-preflight.js";
import { gunicornArgsFor, GUNICORN_BOOT } from "./gunicorn-boot.js";
import { middlewareEnv } from "./python-middleware.js";
import type { LaunchPlan, SiteKind } from "./site-kind.js";

type AsgiConfig = Extract<ResolvedSite["kind"], { type: "asgi" }>;

/** Where the HTTP readiness probe goes: any answer below 500 means this generation serves. */
export const ASGI_READY_PATH = "/";

export const UVICORN_WORKER = "uvicorn.workers.UvicornWorker";

/** The server's own argv for one site (also what `export` writes). */
export function asgiArgs(site: ResolvedSite, kind: AsgiConfig): { boot: "asgi" | "gunicorn"; args: string[] } {
  if (kind.server === "gunicorn")
    return { boot: "gunicorn", args: gunicornArgsFor(site, 1, kind.target, ["--worker-class", UVICORN_WORKER]) };
  return { boot: "asgi", args: [kind.server, kind.target] };
}

export const asgiKind: SiteKind<AsgiConfig> = {
  type: "asgi",
  settingsVar: "DJANGO_SETTINGS_MODULE",
  ready: { type: "http", path: ASGI_READY_PATH },
  // The gunicorn boot sets LISTEN_PID itself; the ASGI boot ignores it (it adopts fd 3 directly).
  setsListenPid: true,
  launch(site): LaunchPlan {
    const kind = site.kind;
    const { boot, args } = asgiArgs(site, kind);
    const code = boot === "gunicorn" ? GUNICORN_BOOT : ASGI_BOOT;
    return {
      file: kind.python,
      args: ["-c", code, ...args],
      env: {
        // Unbuffered, so a traceback reaches the log before the process dies.
        PYTHONUNBUFFERED: "1",
        TSGI_STOP_SECONDS: String(site.stopTimeoutMs / 1000),
        ...middlewareEnv(kind.middleware),
      },
      display: [kind.python, "-c", `<tsgi ${boot} bootstrap>`, ...args],
    };
  },
  preflight: asgiPreflight,
};
