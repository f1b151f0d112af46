/**
 * Spawning one process of a site: the environment tsgi adds to the site's own (which process
 * and generation it is, the socket and notify fds), the program resolved on the site's PATH,
 * privileges dropped, and the LISTEN_PID trampoline.
 */
import type { ResolvedSite } from "../config/types.js";
import { kindOf } from "../kinds/registry.js";
import { resolveAccounts } from "../process/accounts.js";
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
  readonly output: (lines: string[], stream: "out" | "err") => void | Promise<void>;
}

/**
 * systemd's convention: LISTEN_PID is the pid of the process the socket is for, known only after
 * the fork. This exec trampoline sets it and becomes the program; nothing the user wrote is
 * parsed by the shell — the argv goes through "$0" "$@".
 */
const LISTEN_PID_TRAMPOLINE = 'LISTEN_PID=$$; export LISTEN_PID; exec "$0" "$@"';

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
  let file = program.path;
  let args = [...plan.args];
  if (socket !== undefined && !kind.setsListenPid) {
    args = ["-c", LISTEN_PID_TRAMPOLINE, file, ...args];
    file = "/bin/sh";
  }
  const spawned = spawnProcess({ file, args, cwd: site.cwd, env, listenFd: socket?.fd, uid: accounts.uid, gid: accounts.gid });
  if (spawned.pid === 0) return { ok: false, message: "could not spawn the process" };
  const proc = new ChildProcessHandle(spawned, { site: site.name, index, generation, clock: request.clock, output: request.output });
  return { ok: true, proc };
}
