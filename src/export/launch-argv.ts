/**
 * The program an exported site runs: tsgi's own launch plan (`kinds/launch.ts`), adjusted only
 * where the host that starts it is not tsgi.
 *
 * - `wsgi`: gunicorn with the arguments tsgi gives it, started as `python -m gunicorn`. tsgi's
 *   bootstrap exists to set `LISTEN_PID` after its own fork and to report readiness on tsgi's
 *   notify pipe; systemd sets `LISTEN_PID` itself and gunicorn reports to `NOTIFY_SOCKET`
 *   natively, and in a pod gunicorn binds its port itself (`--bind`).
 *   uWSGI (`wsgiServer: uwsgi`) likewise runs as itself (`uwsgiExportArgv`).
 * - `app`: tsgi's worker, at the installed package's `dist/worker/main.js` (the export may run
 *   from the sources, where `launchPlan` would name a file that is never built).
 * - `asgi`: the server's own command line adopting fd 3 (`uvicorn --fd 3`, `hypercorn --bind
 *   fd://3`, `daphne --fd 3`, gunicorn with uvicorn's worker), or binding the pod's port.
 *   `middleware:` is applied by tsgi's boots only: the exporters warn about it.
 * - `command`: the user's argv, as is.
 */
import { fileURLToPath } from "node:url";
import type { ResolvedSite } from "../config/types.js";
import type { AsgiServer } from "../config/types.js";
import { UVICORN_WORKER } from "../kinds/asgi.js";
import { gunicornArgs, gunicornArgsFor } from "../kinds/gunicorn-boot.js";
import { launchPlan, WORKER_MAIN } from "../kinds/launch.js";
import { uwsgiExportArgv } from "../kinds/uwsgi-boot.js";

/** The worker of the installed package: `<package>/dist/worker/main.js`, from `src/` or `dist/`. */
export const INSTALLED_WORKER = fileURLToPath(new URL("../../dist/worker/main.js", import.meta.url));

export interface ExportLaunch {
  readonly argv: readonly string[];
  /** Variables the kind adds to the site's environment (`TSGI_APP`, `PYTHONUNBUFFERED`…). */
  readonly env: Readonly<Record<string, string>>;
}

export interface LaunchOptions {
  /** The Node binary for `app` sites. */
  readonly node: string;
  readonly workerMain: string;
  /** `HOST:PORT` gunicorn binds itself (Kubernetes); without it gunicorn adopts fd 3. */
  readonly gunicornBind?: string | undefined;
}

export function exportLaunch(site: ResolvedSite, options: LaunchOptions): ExportLaunch {
  const plan = launchPlan(site);
  const kind = site.kind;
  switch (kind.type) {
    case "command":
      return { argv: kind.argv, env: plan.env };
    case "wsgi": {
      if (kind.server === "uwsgi") return { argv: uwsgiExportArgv(site, kind, options.gunicornBind), env: {} };
      const bind = options.gunicornBind === undefined ? [] : ["--bind", options.gunicornBind];
      return { argv: [kind.python, "-m", "gunicorn", ...bind, ...gunicornArgs(site, kind)], env: plan.env };
    }
    case "asgi": {
      const bind = options.gunicornBind;
      if (kind.server === "gunicorn") {
        const args = gunicornArgsFor(site, 1, kind.target, ["--worker-class", UVICORN_WORKER]);
        return { argv: [kind.python, "-m", "gunicorn", ...(bind === undefined ? [] : ["--bind", bind]), ...args], env: plan.env };
      }
      return { argv: [kind.python, "-m", kind.server, ...asgiBind(kind.server, bind), kind.target], env: plan.env };
    }
    case "app":
      return {
        argv: [options.node, ...plan.args.map((arg) => (arg === WORKER_MAIN ? options.workerMain : arg))],
        env: plan.env,
      };
    default:
      throw new Error(`unknown site kind ${JSON.stringify(kind satisfies never)}`);
  }
}

/** How each ASGI server adopts fd 3 (systemd's socket) or binds `HOST:PORT` itself (a pod). */
function asgiBind(server: Exclude<AsgiServer, "gunicorn">, bind: string | undefined): string[] {
  const [host = "0.0.0.0", port = "8000"] =
    bind === undefined ? [] : [bind.slice(0, bind.lastIndexOf(":")), bind.slice(bind.lastIndexOf(":") + 1)];
  switch (server) {
    case "uvicorn":
      return bind === undefined ? ["--fd", "3", "--lifespan", "off"] : ["--host", host, "--port", port, "--lifespan", "off"];
    case "hypercorn":
      return ["--bind", bind === undefined ? "fd://3" : bind];
    case "daphne":
      return bind === undefined ? ["--fd", "3"] : ["--bind", host, "--port", port];
    default:
      throw new Error(`unknown ASGI server ${String(server satisfies never)}`);
  }
}
