/**
 * `PR_SET_CHILD_SUBREAPER`: a site's daemonized descendants (a double fork, `setsid`, a detached
 * npm script) are re-parented to the supervisor instead of init, so they stay in reach — the
 * supervisor can find them, stop them with their site, and reap them.
 */
import { libc, PR_SET_CHILD_SUBREAPER, type Libc } from "../native/libc.js";

export type SubreaperResult = { readonly ok: true; readonly libc: Libc } | { readonly ok: false; readonly reason: string };

/**
 * Whether the supervisor makes itself its sites' subreaper. With cgroup tracking it does not
 * need to: a process that leaves its site's group stays in the site's cgroup, which a stop and
 * the death watch end whole, and init reaps it — and becoming one loads koffi, which stays
 * resident for good (~1.7 MiB of its library and of node's symbol tables, measured at 20 sites:
 * VmRSS 51.8 → 49.4–50.1 MiB). It does as PID 1 (orphans come to it either way, and only a
 * subreaper-style reaper reaps them), without cgroups (the subreaper is then how escapees are
 * found), and when `--subreaper` asks for it.
 */
export function subreaperWanted(options: {
  readonly required: boolean;
  readonly pid1: boolean;
  readonly tracking: "cgroup" | "subreaper" | "group";
}): boolean {
  return options.required || options.pid1 || options.tracking !== "cgroup";
}

export function becomeSubreaper(): SubreaperResult {
  const loaded = libc();
  if (!loaded.ok) return { ok: false, reason: loaded.reason };
  const result = loaded.libc.prctl(PR_SET_CHILD_SUBREAPER, 1);
  if (!result.ok) return { ok: false, reason: `prctl(PR_SET_CHILD_SUBREAPER) failed with errno ${result.errno}` };
  return { ok: true, libc: loaded.libc };
}
