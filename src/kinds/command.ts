/** `command:` — the user's argv, as is; readiness as the site's `ready:` says. */
import type { ResolvedSite } from "../config/types.js";
import { NO_PREFLIGHT, type SiteKind } from "./site-kind.js";

export const commandKind: SiteKind<Extract<ResolvedSite["kind"], { type: "command" }>> = {
  type: "command",
  settingsVar: "TSGI_SETTINGS_MODULE",
  ready: "from-config",
  setsListenPid: false,
  launch(site) {
    const [file = "", ...args] = site.kind.argv;
    return { file, args, env: {}, display: site.kind.argv };
  },
  preflight: NO_PREFLIGHT,
};
