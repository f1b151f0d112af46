/** How a site's program is launched by a peer that binds nothing itself (PORT in the environment). */
import path from "node:path";
import { RUN_MARK } from "../lib/cleanup.js";
import type { SiteSpec } from "./types.js";

export interface Program {
  readonly argv: readonly string[];
  readonly cwd: string;
  /** Variables for the site on top of a minimal inherited set. */
  readonly env: Readonly<Record<string, string>>;
}

export function programFor(site: SiteSpec): Program {
  const app = site.app;
  switch (app.kind) {
    case "node":
      return {
        argv: [process.execPath, path.join(app.dir, "server.mjs")],
        cwd: app.dir,
        env: { PORT: String(site.port), TSGI_SETTINGS_MODULE: site.settings, START_DELAY_MS: String(app.startDelayMs) },
      };
    case "log-writer":
      return {
        argv: [process.execPath, path.join(app.dir, "log-writer.mjs")],
        cwd: app.dir,
        env: logWriterEnv(site.name, app.dir, app.lines),
      };
    case "django":
      return {
        argv: [app.python, "-m", "gunicorn", "--bind", `127.0.0.1:${site.port}`, "--workers", "1", app.wsgi],
        cwd: app.dir,
        env: { DJANGO_SETTINGS_MODULE: site.settings, PYTHONUNBUFFERED: "1" },
      };
    default:
      throw new Error(`unknown app ${JSON.stringify(app satisfies never)}`);
  }
}

/**
 * The variables every peer and site gets from the harness: PATH to find programs, HOME, LANG,
 * and the run's mark (so the last clean-up sweep can find whatever outlived its supervisor).
 */
export function baseEnv(): Record<string, string> {
  const keep = ["PATH", "HOME", "LANG", "TZ", "TMPDIR"];
  return {
    ...Object.fromEntries(keep.flatMap((key) => (process.env[key] === undefined ? [] : [[key, process.env[key] ?? ""]]))),
    [RUN_MARK.name]: RUN_MARK.value,
  };
}

/** The log writer's knobs; its begin time lands in a file named after the site. */
export function logWriterEnv(name: string, dir: string, lines: number): Record<string, string> {
  return { LINES: String(lines), TIMES_FILE: timesFile(name, dir) };
}

export function timesFile(name: string, dir: string): string {
  return path.join(dir, `${name}.times.json`);
}
