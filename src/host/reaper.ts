/**
 * Reaping orphans: as PID 1 of a container, or as the subreaper of its sites, the supervisor
 * inherits every process whose parent died, and nothing else waits for those — each would
 * stay a zombie, until the pid table is full.
 *
 * Only orphans are reaped: a child Node spawned itself (`own-children.ts`) is left to libuv,
 * which waits for it by pid and reports its exit status to the site. A scan lists the
 * supervisor's zombie children and `waitpid`s each of the others by pid with WNOHANG — never
 * `waitpid(-1)`, which could take a status libuv is about to ask for. It runs after every
 * SIGCHLD (on the next turn of the loop, once libuv has taken its own) and, in case a signal
 * was coalesced, once a second.
 */
import { childPids, procInfo } from "./children.js";
import { ownChildPids, trackOwnChildren } from "./own-children.js";
import { WNOHANG, type Libc } from "../native/libc.js";

export interface Reaper {
  /** Orphans reaped so far. */
  readonly reaped: number;
  /** One scan now (tests; the supervisor relies on SIGCHLD and the timer). */
  sweep(): number;
  close(): void;
}

export interface ReaperOptions {
  readonly libc: Libc;
  readonly sweepMs?: number;
  /** Defaults to the real process (tests inject nothing else: signals are the point). */
  readonly onSignal?: (listener: () => void) => () => void;
  /** An orphan leading a process group of its own was adopted (seen alive) / has been reaped. */
  readonly onAdopted?: (pid: number) => void;
  readonly onAdoptedGone?: (pid: number) => void;
}

export function startReaper(options: ReaperOptions): Reaper {
  trackOwnChildren();
  let reaped = 0;
  let scheduled = false;
  // Adopted group leaders (a daemon's double fork, a setsid escapee), so the death watch can
  // end them too should the supervisor die; an orphan still in its site's group is covered there.
  const adopted = new Set<number>();
  const sweep = (): number => {
    const own = ownChildPids();
    let count = 0;
    for (const pid of childPids()) {
      if (own.has(pid)) continue;
      const info = procInfo(pid);
      if (info === undefined) continue;
      if (info.state !== "Z") {
        if (info.pgid === pid && !adopted.has(pid)) {
          adopted.add(pid);
          options.onAdopted?.(pid);
        }
        continue;
      }
      const result = options.libc.waitpid(pid, WNOHANG);
      if (result.ok && result.value.pid === pid) {
        count += 1;
        if (adopted.delete(pid)) options.onAdoptedGone?.(pid);
      }
    }
    reaped += count;
    return count;
  };
  const onChild = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      sweep();
    });
  };
  const subscribe =
    options.onSignal ??
    ((listener: () => void) => {
      process.on("SIGCHLD", listener);
      return () => process.off("SIGCHLD", listener);
    });
  const unsubscribe = subscribe(onChild);
  const timer = setInterval(sweep, options.sweepMs ?? 1000);
  timer.unref();
  return {
    get reaped() {
      return reaped;
    },
    sweep,
    close() {
      clearInterval(timer);
      unsubscribe();
    },
  };
}
