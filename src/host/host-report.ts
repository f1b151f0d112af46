/**
 * What `check` says about the host: which process tracking a supervisor started here would use,
 * and, for each site with `limits`, the sentence about any that could not be applied.
 */
import type { ResolvedConfig } from "../config/types.js";
import { libc } from "../native/libc.js";
import { limitsSentence } from "./limits.js";
import { describeMode, probeTracking } from "./tracking.js";

export function hostReport(config: ResolvedConfig, env: NodeJS.ProcessEnv): string[] {
  const loaded = libc();
  const mode = probeTracking({ subreaper: () => loaded.ok, cgroupSetting: env["TSGI_CGROUP"], subtree: `tsgi-check-${process.pid}` });
  const lines = [`  tracking   ${describeMode(mode)}`];
  for (const site of config.sites) {
    if (site.limits === undefined) continue;
    const sentence =
      mode.kind === "cgroup"
        ? limitsSentence(site.name, site.limits, {
            cgroups: true,
            controllers: mode.controllers,
            parent: mode.root.replace(/\/[^/]+$/, ""),
          })
        : limitsSentence(site.name, site.limits, { cgroups: false, why: mode.why });
    if (sentence !== undefined) lines.push(`  warning    ${sentence}`);
  }
  return lines;
}
