/**
 * Before a `wsgiServer: uwsgi` site's first process starts: is uWSGI there, can it load its
 * python3 plugin, can the site's interpreter import the application module, and does its
 * `middleware:` wrap it? Each failure is
 * one sentence naming what to install or fix, and the site goes to `fatal` instead of
 * crash-looping on uWSGI's start-up banner.
 */
import type { ResolvedSite, SiteKind } from "../config/types.js";
import { resolveProgram } from "../process/resolve-program.js";
import { runCheck } from "../process/spawn.js";
import type { PreflightResult } from "./site-kind.js";
import { MIDDLEWARE_CHECK, middlewareEnv, middlewareProblem } from "./python-middleware.js";
import { UWSGI_PROGRAM } from "./uwsgi-boot.js";

type WsgiKind = Extract<SiteKind, { type: "wsgi" }>;

const INSTALL = "Debian: apt-get install uwsgi-core uwsgi-plugin-python3";

const IMPORT = `
import importlib, sys
sys.path.insert(0, ".")
try:
    importlib.import_module(sys.argv[1].split(":")[0])
except Exception as error:
    import traceback
    traceback.print_exc()
    print("TSGI-MISSING app %s: %s" % (type(error).__name__, error))
    sys.exit(4)
${MIDDLEWARE_CHECK}
`.trim();

export async function uwsgiPreflight(site: ResolvedSite, kind: WsgiKind): Promise<PreflightResult> {
  const path = site.env["PATH"];
  const uwsgi = resolveProgram(UWSGI_PROGRAM, site.cwd, path);
  if (!uwsgi.ok) return { ok: false, message: `uWSGI is not installed (no \`${UWSGI_PROGRAM}\` on the site's PATH) — ${INSTALL}` };
  const timeoutMs = Math.max(site.startTimeoutMs, 5000);
  const plugin = await runCheck(uwsgi.path, ["--need-plugin", "python3", "--version"], { cwd: site.cwd, env: site.env, timeoutMs });
  if (!plugin.ok) return { ok: false, message: `${uwsgi.path} cannot load its python3 plugin — ${INSTALL}` };
  const python = resolveProgram(kind.python, site.cwd, path);
  if (!python.ok) return { ok: false, message: `python: ${python.message}` };
  const result = await runCheck(python.path, ["-c", IMPORT, kind.target], {
    cwd: site.cwd,
    env: { ...site.env, PYTHONDONTWRITEBYTECODE: "1", ...middlewareEnv(kind.middleware) },
    timeoutMs,
  });
  if (result.ok) return { ok: true };
  const wrapper = middlewareProblem(result.output);
  if (wrapper !== undefined) return { ok: false, message: wrapper };
  const lines = result.output.split("\n");
  const marker = lines.find((line) => line.startsWith("TSGI-MISSING app "));
  const module = kind.target.split(":")[0] ?? kind.target;
  if (marker === undefined) return { ok: false, message: `${python.path} failed the import check: ${lines.slice(-4).join(" ")}` };
  const tail = lines.filter((line) => line.trim() !== "" && !line.startsWith("TSGI-MISSING")).slice(-6);
  return {
    ok: false,
    message: `${python.path} cannot import ${module} from ${site.cwd} (${marker.slice("TSGI-MISSING app ".length)}) — check wsgi:, cwd: and settings:\n${tail.join("\n")}`,
  };
}
