/**
 * `PR_SET_CHILD_SUBREAPER`: a site's daemonized descendants (a double fork, `setsid`, a detached
 * npm script) are re-parented to the supervisor instead of init, so they stay in reach — the
 * supervisor can find them, stop them with their site, and reap them.
 */
import { libc, PR_SET_CHILD_SUBREAPER, type Libc } from "../native/libc.js";

export type SubreaperResult = { readonly ok: true; readonly libc: Libc } | { readonly ok: false; readonly reason: string };

export function becomeSubreaper(): SubreaperResult {
  const loaded = libc();
  if (!loaded.ok) return { ok: false, reason: loaded.reason };
  const result = loaded.libc.prctl(PR_SET_CHILD_SUBREAPER, 1);
  if (!result.ok) return { ok: false, reason: `prctl(PR_SET_CHILD_SUBREAPER) failed with errno ${result.errno}` };
  return { ok: true, libc: loaded.libc };
}
