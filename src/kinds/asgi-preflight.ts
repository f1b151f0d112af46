/**
 * Before an `asgi:` site's first process starts: can its interpreter import the chosen server
 * and the application module? A missing package becomes one sentence naming the interpreter
 * and what to install, not a crash loop of tracebacks (as `wsgi-preflight.ts` does for gunicorn).
 */
import type { AsgiServer, ResolvedSite } from "../config/types.js";
import { resolveProgram } from "../process/resolve-program.js";
import { runCheck } from "../process/spawn.js";
import { MIDDLEWARE_CHECK, middlewareEnv, middlewareProblem } from "./python-middleware.js";
import type { PreflightResult } from "./site-kind.js";

/** The modules each server needs, and how to get them. */
const SERVERS: Readonly<Record<AsgiServer, { readonly modules: readonly string[]; readonly install: string }>> = {
  uvicorn: { modules: ["uvicorn"], install: "Debian: apt-get install python3-uvicorn; a virtualenv: pip install uvicorn" },
  hypercorn: { modules: ["hypercorn"], install: "Debian: apt-get install python3-hypercorn; a virtualenv: pip install hypercorn" },
  daphne: { modules: ["daphne"], install: "Debian: apt-get install daphne; a virtualenv: pip install daphne" },
  gunicorn: {
    modules: ["gunicorn", "uvicorn.workers"],
    install: "Debian: apt-get install gunicorn python3-uvicorn; a virtualenv: pip install gunicorn uvicorn",
  },
};

const CHECK = `
import importlib, sys
for name in sys.argv[2].split(","):
    try:
        importlib.import_module(name)
    except ImportError as error:
        print("TSGI-MISSING server %s" % error)
        sys.exit(3)
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

export async function asgiPreflight(site: ResolvedSite): Promise<PreflightResult> {
  const kind = site.kind;
  if (kind.type !== "asgi") return { ok: true };
  const python = resolveProgram(kind.python, site.cwd, site.env["PATH"]);
  if (!python.ok) return { ok: false, message: `python: ${python.message}` };
  const server = SERVERS[kind.server];
  const result = await runCheck(python.path, ["-c", CHECK, kind.target, server.modules.join(",")], {
    cwd: site.cwd,
    env: { ...site.env, PYTHONDONTWRITEBYTECODE: "1", ...middlewareEnv(kind.middleware) },
    timeoutMs: Math.max(site.startTimeoutMs, 5000),
  });
  if (result.ok) return { ok: true };
  const marker = result.output.split("\n").find((line) => line.startsWith("TSGI-MISSING "));
  const wrapper = middlewareProblem(result.output);
  if (wrapper !== undefined) return { ok: false, message: wrapper };
  if (marker?.startsWith("TSGI-MISSING server")) {
    return {
      ok: false,
      message: `${python.path} cannot import ${kind.server} (${marker.slice("TSGI-MISSING server ".length)}) — install it into that environment (${server.install})`,
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
      message: `${python.path} cannot import ${module} from ${site.cwd} (${marker.slice("TSGI-MISSING app ".length)}) — check asgi:, cwd: and settings:\n${tail}`,
    };
  }
  return { ok: false, message: `${python.path} failed the import check: ${result.output.split("\n").slice(-4).join(" ")}` };
}
