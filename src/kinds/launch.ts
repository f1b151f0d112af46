/**
 * From a resolved site to the program tsgi spawns for each of its processes.
 *
 * - `command`: the user's argv, as is.
 * - `wsgi`: gunicorn, run by the site's interpreter through a short bootstrap (`gunicorn-boot.ts`)
 *   that adopts fd 3 in gunicorn's systemd mode and reports readiness on the notify pipe.
 * - `app`: tsgi's own worker (`src/worker/main.ts`) under the supervisor's Node.
 */
import { fileURLToPath } from "node:url";
import type { ResolvedSite } from "../config/types.js";
import { gunicornArgs, GUNICORN_BOOT } from "./gunicorn-boot.js";

export interface LaunchPlan {
  readonly file: string;
  readonly args: readonly string[];
  /** Variables the kind adds to the site's environment. */
  readonly env: Readonly<Record<string, string>>;
  /** The argv as shown to people (`check`, `status`): long bootstrap code abbreviated. */
  readonly display: readonly string[];
}

export const WORKER_MAIN = fileURLToPath(new URL("../worker/main.js", import.meta.url));

export function launchPlan(site: ResolvedSite): LaunchPlan {
  const kind = site.kind;
  switch (kind.type) {
    case "command": {
      const [file = "", ...args] = kind.argv;
      return { file, args, env: {}, display: kind.argv };
    }
    case "wsgi": {
      const args = gunicornArgs(site, kind);
      return {
        file: kind.python,
        args: ["-c", GUNICORN_BOOT, ...args],
        // Unbuffered, so a traceback reaches the log before the process dies.
        env: { PYTHONUNBUFFERED: "1" },
        display: [kind.python, "-c", "<tsgi gunicorn bootstrap>", ...args],
      };
    }
    case "app":
      return {
        file: process.execPath,
        args: [WORKER_MAIN],
        env: {
          TSGI_APP: kind.module,
          TSGI_MIDDLEWARE: JSON.stringify(kind.middleware),
          TSGI_SETTINGS_VAR: site.settingsVar,
          TSGI_STOP_SIGNAL: site.stopSignal,
        },
        display: [process.execPath, WORKER_MAIN, kind.module],
      };
    default:
      throw unknownKind(kind);
  }
}

function unknownKind(kind: never): Error {
  return new Error(`unknown site kind ${JSON.stringify(kind)}`);
}
