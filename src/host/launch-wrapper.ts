/**
 * What every site process is started through, so it is tracked from its first instruction:
 *
 *   /bin/sh -c WRAPPER tsgi-launch CGROUP LISTENPID  [setpriv --pdeathsig SIG [--reuid …] --]  PROGRAM ARGS…
 *
 * The shell moves itself into the process's cgroup (before the program can fork, so nothing
 * escapes the move), sets LISTEN_PID to its own pid when asked (systemd's convention: the pid
 * the socket is for), and execs — the pid stays the same throughout. `setpriv` (util-linux)
 * sets `PR_SET_PDEATHSIG`, which Node's spawn cannot: it must be set in the child, and after
 * any change of user, which clears it; so setpriv also drops to the site's user. Where cgroups
 * track the sites and the death watch runs, its `cgroup.kill` ends every process of a dead
 * supervisor anyway, and a launch that keeps the supervisor's user skips setpriv
 * (`setprivNeeded`): one exec fewer per process (~0.9 ms of CPU each, measured). Nothing the
 * user wrote is parsed by the shell: the argv goes through "$@".
 */
import fs from "node:fs";

const WRAPPER = [
  "cg=$1 lp=$2; shift 2",
  'if [ -n "$cg" ]; then echo $$ 2>/dev/null >"$cg/cgroup.procs" || echo "tsgi: could not move into the cgroup $cg; it is tracked by its group" >&2; fi',
  'if [ "$lp" = 1 ]; then LISTEN_PID=$$; export LISTEN_PID; fi',
  'exec "$@"',
].join("\n");

export interface LaunchRequest {
  readonly file: string;
  readonly args: readonly string[];
  readonly cgroup: string | undefined;
  readonly setListenPid: boolean;
  /** Sent to the process when the supervisor dies (its stop signal). */
  readonly deathSignal: NodeJS.Signals;
  readonly uid: number | undefined;
  readonly gid: number | undefined;
  /** Path of setpriv, when installed. */
  readonly setpriv: string | undefined;
}

export interface Launch {
  readonly file: string;
  readonly args: readonly string[];
  /** Set when the spawn itself must drop privileges (no setpriv). */
  readonly uid: number | undefined;
  readonly gid: number | undefined;
}

export function wrapLaunch(request: LaunchRequest): Launch {
  const privileges: string[] = [];
  if (request.setpriv !== undefined) {
    if (request.gid !== undefined) privileges.push(`--regid=${request.gid}`);
    if (request.uid !== undefined) privileges.push(`--reuid=${request.uid}`);
    // Node's spawn drops supplementary groups when it changes user; so does this.
    if (request.uid !== undefined || request.gid !== undefined) privileges.push("--clear-groups");
  }
  const prefix = request.setpriv === undefined ? [] : [request.setpriv, `--pdeathsig=${request.deathSignal}`, ...privileges, "--"];
  return {
    file: "/bin/sh",
    args: ["-c", WRAPPER, "tsgi-launch", request.cgroup ?? "", request.setListenPid ? "1" : "0", ...prefix, request.file, ...request.args],
    uid: request.setpriv === undefined ? request.uid : undefined,
    gid: request.setpriv === undefined ? request.gid : undefined,
  };
}

/**
 * Whether a launch goes through setpriv: for a change of user (it keeps the parent-death signal
 * across it), and for the parent-death signal itself unless the death watch covers it — by
 * killing the supervisor's cgroups, which holds every process, wherever its group or parent.
 */
export function setprivNeeded(launch: {
  readonly uid: number | undefined;
  readonly gid: number | undefined;
  readonly cgroupTracked: boolean;
  readonly deathWatchAlive: boolean;
}): boolean {
  if (launch.uid !== undefined || launch.gid !== undefined) return true;
  return !(launch.cgroupTracked && launch.deathWatchAlive);
}

let setprivPath: string | null | undefined;

/** setpriv on this host (util-linux), looked up once. */
export function findSetpriv(): string | undefined {
  if (setprivPath === undefined) {
    setprivPath = ["/usr/bin/setpriv", "/bin/setpriv", "/usr/sbin/setpriv"].find((candidate) => isExecutable(candidate)) ?? null;
  }
  return setprivPath ?? undefined;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
