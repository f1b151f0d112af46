/**
 * Spawning one process of a site: the environment tsgi adds to the site's own (which process
 * and generation it is, the socket and notify fds), the program resolved on the site's PATH,
 * and the launch wrapper that tracks it.
 */
import type { ResolvedSite } from "../config/types.js";
import { currentHost } from "../host/host.js";
import { kindOf } from "../kinds/registry.js";
import { resolveAccounts } from "../process/accounts.js";
import type { OutputLines } from "../process/line-reader.js";
import { resolveProgram } from "../process/resolve-program.js";
import { spawnProcess } from "../process/spawn.js";
import { LISTEN_FD, NOTIFY_FD } from "../protocol/notify.js";
import type { BoundSocket } from "../sockets/bind.js";
import type { Clock } from "../time/clock.js";
import { ChildProcessHandle } from "./process-handle.js";
import type { SpawnOutcome } from "./process-slot.js";

export interface SpawnSiteProcess {
  readonly site: ResolvedSite;
  readonly socket: BoundSocket | undefined;
  /** 1-based process number within the site. */
  readonly index: number;
  readonly generation: number;
  readonly clock: Clock;
  readonly output: (lines: OutputLines, stream: "out" | "err") => void | Promise<void>;
}

export function spawnSiteProcess(request: SpawnSiteProcess): SpawnOutcome {
  const { site, socket, index, generation } = request;
  const kind = kindOf(site);
  const plan = kind.launch();
  const env: Record<string, string> = {
    ...site.env,
    ...plan.env,
    TSGI_SITE: site.name,
    TSGI_PROCESS: String(index),
    TSGI_GENERATION: String(generation),
    TSGI_NOTIFY_FD: String(NOTIFY_FD),
  };
  if (socket !== undefined) {
    env["LISTEN_FDS"] = "1";
    env["TSGI_FD"] = String(LISTEN_FD);
  }
  const program = resolveProgram(plan.file, site.cwd, env["PATH"]);
  if (!program.ok) return { ok: false, message: program.message };
  const accounts = resolveAccounts(site.user, site.group);
  if (!accounts.ok) return { ok: false, message: accounts.message };
  // Through the launch wrapper (`host/launch-wrapper.ts`): into its cgroup, the parent-death
  // signal, privileges dropped, and LISTEN_PID (systemd's convention: the pid the socket is for,
  // known only after the fork) — unless the kind sets that itself.
  const host = currentHost();
  host.limits(site.name, site.limits);
  const tracker = host.tracker({ site: site.name, index, generation });
  const launch = host.wrap({
    file: program.path,
    args: plan.args,
    cgroup: tracker.cgroup,
    setListenPid: socket !== undefined && !kind.setsListenPid,
    deathSignal: site.stopSignal,
    uid: accounts.uid,
    gid: accounts.gid,
  });
  const spawned = spawnProcess({
    file: launch.file,
    args: launch.args,
    cwd: site.cwd,
    env,
    listenFd: socket?.fd,
    uid: launch.uid,
    gid: launch.gid,
  });
  if (spawned.pid === 0) {
    tracker.release();
    return { ok: false, message: "could not spawn the process" };
  }
  // The wrapper moved itself into the cgroup before exec; only when the spawn dropped privileges
  // itself (no setpriv) does it run as the site's user, unable to — then the supervisor moves it.
  // Not read back otherwise: reading cgroup.procs while the move is under way waits on it (~5 ms
  // of every spawn and reload, measured).
  if (launch.uid !== undefined || launch.gid !== undefined) tracker.attach(spawned.pid);
  host.started(spawned.pid, site.stopSignal);
  void spawned.exited.then(() => host.ended(spawned.pid));
  const proc = new ChildProcessHandle(spawned, {
    site: site.name,
    index,
    generation,
    clock: request.clock,
    output: request.output,
    tracker,
    memoryLimitBytes: site.limits?.memoryBytes,
  });
  return { ok: true, proc };
}
