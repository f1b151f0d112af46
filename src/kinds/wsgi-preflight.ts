/**
 * Before a `wsgi:` site's first process starts: can its interpreter import gunicorn and the
 * application module? A missing package becomes one sentence naming the interpreter and the
 * fix, not a crash loop of tracebacks.
 */
import type { ResolvedSite } from "../config/types.js";
import { resolveProgram } from "../process/resolve-program.js";
import { runCheck } from "../process/spawn.js";
import { MIDDLEWARE_CHECK, middlewareEnv, middlewareProblem } from "./python-middleware.js";
import type { PreflightResult } from "./site-kind.js";

const CHECK = `
import importlib, sys
try:
    import gunicorn
except ImportError as error:
    print("TSGI-MISSING gunicorn %s" % error)
    sys.exit(3)
sys.path.insert(0, ".")
module = sys.argv[1].split(":")[0]
try:
    importlib.import_module(module)
except Exception as error:
    import traceback
    traceback.print_exc()
    print("TSGI-MISSING app %s: %s" % (type(error).__name__, error))
    sys.exit(4)
${MIDDLEWARE_CHECK}
`.trim();

export async function wsgiPreflight(site: ResolvedSite): Promise<PreflightResult> {
  const kind = site.kind;
  if (kind.type !== "wsgi") return { ok: true };
  const python = resolveProgram(kind.python, site.cwd, site.env["PATH"]);
  if (!python.ok) return { ok: false, message: `python: ${python.message}` };
  const result = await runCheck(python.path, ["-c", CHECK, kind.target], {
    cwd: site.cwd,
    env: { ...site.env, PYTHONDONTWRITEBYTECODE: "1", ...middlewareEnv(kind.middleware) },
    timeoutMs: Math.max(site.startTimeoutMs, 5000),
  });
  if (result.ok) return { ok: true };
  const marker = result.output.split("\n").find((line) => line.startsWith("TSGI-MISSING "));
  const wrapper = middlewareProblem(result.output);
  if (wrapper !== undefined) return { ok: false, message: wrapper };
  if (marker?.startsWith("TSGI-MISSING gunicorn")) {
    return {
      ok: false,
      message: `${python.path} cannot import gunicorn — install it into that environment (Debian: apt-get install gunicorn; a virtualenv: pip install gunicorn)`,
    };
  }
  if (marker?.startsWith("TSGI-MISSING app")) {
    const module = kind.target.split(":")[0] ?? kind.target;
    const tail = result.output
      .split("\n")
      .filter((line) => line.trim() !== "" && !line.startsWith("TSGI-MISSING"))
      .slice(-6)
      .join("\n");
    return {
      ok: false,
      message: `${python.path} cannot import ${module} from ${site.cwd} (${marker.slice("TSGI-MISSING app ".length)}) — check wsgi:, cwd: and settings:\n${tail}`,
    };
  }
  return { ok: false, message: `${python.path} failed the import check: ${result.output.split("\n").slice(-4).join(" ")}` };
}
