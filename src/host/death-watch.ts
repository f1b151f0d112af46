/**
 * What ends a site's processes when the supervisor itself dies (SIGKILL, OOM): a tiny `sh` that
 * outlives it. `PR_SET_PDEATHSIG` (the launch wrapper, where no cgroup tracks the sites or the
 * user changes) signals a site's first process too, but not the processes that one started (a
 * gunicorn worker, a shell's children, a daemon). The watcher reads one line per change on a
 * pipe from the supervisor (`+ PGID SIGNAL`, `- PGID`, `c CGROUP`); the kernel closes that pipe
 * when the supervisor dies, however it dies. At end-of-file without the clean-exit line it sends each group its stop signal,
 * waits half a second, then SIGKILLs the groups and the supervisor's cgroups, and removes those.
 * Its own process group, so a Ctrl-C to the supervisor's terminal leaves it be.
 */
import { spawn, type ChildProcess } from "node:child_process";
import type { Writable } from "node:stream";

/** No word of it comes from the user: pgids are numbers, signals are validated names, cgroups paths tsgi made. */
const WATCHER = `
groups=; cgroups=; clean=
while read -r op a b; do
  case "$op" in
    +) groups="$groups $a:$b" ;;
    -) kept=; for g in $groups; do [ "\${g%%:*}" = "$a" ] || kept="$kept $g"; done; groups=$kept ;;
    c) cgroups="$cgroups $a" ;;
    x) clean=1 ;;
  esac
done
[ -n "$clean" ] && exit 0
for g in $groups; do kill -s "\${g#*:}" -- "-\${g%%:*}" 2>/dev/null; kill -s CONT -- "-\${g%%:*}" 2>/dev/null; done
sleep 0.5
for g in $groups; do kill -s KILL -- "-\${g%%:*}" 2>/dev/null; done
for c in $cgroups; do echo 1 > "$c/cgroup.kill" 2>/dev/null; done
for i in 1 2 3 4 5 6 7 8 9 10; do
  left=; for c in $cgroups; do [ -d "$c" ] && { find "$c" -depth -type d -exec rmdir {} + 2>/dev/null || left=1; }; done
  [ -z "$left" ] && break
  sleep 0.2
done
`;

export interface DeathWatch {
  /** A site process started: on the supervisor's death its group gets `signal`, then SIGKILL. */
  add(pgid: number, signal: NodeJS.Signals): void;
  remove(pgid: number): void;
  /** The supervisor's cgroup subtree: killed and removed on its death. */
  cgroup(dir: string): void;
  /** A clean exit: the watcher ends without touching anything. */
  close(): void;
  /** The watcher still runs (it could be killed on its own). */
  alive(): boolean;
  /** The watcher's pid. */
  readonly pid: number;
}

export function startDeathWatch(): DeathWatch | undefined {
  let child: ChildProcess;
  try {
    child = spawn("/bin/sh", ["-c", WATCHER], { stdio: ["pipe", "ignore", "ignore"], detached: true });
  } catch {
    return undefined;
  }
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- it adds unref, which the pipe has and Writable's type lacks
  const stdin = child.stdin as (Writable & { unref?: () => void }) | null;
  const pid = child.pid;
  if (stdin === null || pid === undefined) return undefined;
  child.on("error", () => undefined);
  stdin.on("error", () => undefined);
  // Neither the watcher nor its pipe keeps the supervisor's event loop alive.
  child.unref();
  stdin.unref?.();
  // One write per turn of the event loop: a start of 100 sites is one wake-up of the shell, not
  // 100 (measured: ~0.7 ms of the supervisor's main thread each). A death in the same turn as a
  // spawn loses that line; the cgroup kill or PR_SET_PDEATHSIG still reaches that process.
  let pending = "";
  const flush = (): void => {
    if (pending !== "" && !stdin.destroyed) stdin.write(pending);
    pending = "";
  };
  const send = (line: string): void => {
    if (pending === "") setImmediate(flush);
    pending += `${line}\n`;
  };
  return {
    // Never its own group: it would end itself before the others.
    add: (pgid, signal) => (pgid === child.pid ? undefined : send(`+ ${pgid} ${signal.replace(/^SIG/, "")}`)),
    remove: (pgid) => send(`- ${pgid}`),
    cgroup: (dir) => {
      // A path with a space or newline would split the line; tsgi's own cgroup names never have one.
      if (!/\s/.test(dir)) send(`c ${dir}`);
    },
    close: () => {
      send("x");
      flush();
      stdin.end();
    },
    alive: () => child.exitCode === null && child.signalCode === null && !stdin.destroyed,
    pid,
  };
}
