/** `app:` — tsgi's own worker (`src/worker/main.ts`) under the supervisor's Node. */
import { fileURLToPath } from "node:url";
import type { ResolvedSite } from "../config/types.js";
import { NO_PREFLIGHT, type SiteKind } from "./site-kind.js";

export const WORKER_MAIN = fileURLToPath(new URL("../worker/main.js", import.meta.url));

export const appKind: SiteKind<Extract<ResolvedSite["kind"], { type: "app" }>> = {
  type: "app",
  settingsVar: "TSGI_SETTINGS_MODULE",
  ready: { type: "notify" },
  setsListenPid: false,
  launch(site) {
    const kind = site.kind;
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
  },
  preflight: NO_PREFLIGHT,
};
