/**
 * Reaping orphans: as PID 1 of a container, or as the subreaper of its sites, the supervisor
 * inherits every process whose parent died, and nothing else waits for those — each would
 * stay a zombie, until the pid table is full.
 *
 * Only orphans are reaped: a child Node spawned itself (`own-children.ts`) is left to libuv,
 * which waits for it by pid and reports its exit status to the site. A scan lists the
 * supervisor's zombie children and `waitpid`s each of the others by pid with WNOHANG — never
 * `waitpid(-1)`, which could take a status libuv is about to ask for.
 *
 * Event-driven: a child that dies sends SIGCHLD (Node's listener and libuv's own both get it),
 * and a scan runs on the next turn of the loop, once libuv has taken its own; one scan finds
 * every zombie, so signals the kernel coalesced lose nothing. What no signal announces is an
 * adoption — a process re-parented to the supervisor when its parent, a site's process, died
 * (a daemon's double fork, a setsid escapee) — and the death watch must learn of those. So a
 * look also runs after each event that can leave one behind (a SIGCHLD, a site process
 * started: `wake()`), 1 s later, then at doubling intervals up to a minute while it finds no
 * new one: an idle supervisor wakes once a minute, not once a second.
 */
import { childPids, procInfo } from "./children.js";
import { ownChildPids, trackOwnChildren } from "./own-children.js";
import { WNOHANG, type Libc } from "../native/libc.js";

export interface Reaper {
  /** Orphans reaped so far. */
  readonly reaped: number;
  /** One scan now (tests; the supervisor relies on SIGCHLD and the looks). */
  sweep(): number;
  /** Something that can orphan processes happened: look again soon. */
  wake(): void;
  close(): void;
}

/** setTimeout/clearTimeout, injected by tests. */
export interface LookTimers {
  set(callback: () => void, ms: number): unknown;
  clear(timer: unknown): void;
}

export interface ReaperOptions {
  readonly libc: Libc;
  /** The first look after an event, and the longest interval the looks back off to. */
  readonly lookMs?: { readonly first: number; readonly max: number };
  readonly timers?: LookTimers;
  /** Defaults to the real process (tests inject nothing else: signals are the point). */
  readonly onSignal?: (listener: () => void) => () => void;
  /** An orphan leading a process group of its own was adopted (seen alive) / has been reaped. */
  readonly onAdopted?: (pid: number) => void;
  readonly onAdoptedGone?: (pid: number) => void;
}

const realTimers: LookTimers = {
  set: (callback, ms) => setTimeout(callback, ms).unref(),
  clear: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

export function startReaper(options: ReaperOptions): Reaper {
  trackOwnChildren();
  const { first, max } = options.lookMs ?? { first: 1000, max: 60_000 };
  const timers = options.timers ?? realTimers;
  let reaped = 0;
  let scheduled = false;
  let closed = false;
  // Adopted group leaders (a daemon's double fork, a setsid escapee), so the death watch can
  // end them too should the supervisor die; an orphan still in its site's group is covered there.
  const adopted = new Set<number>();
  let newlyAdopted = 0;
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
          newlyAdopted += 1;
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

  let timer: unknown;
  let interval = first;
  const look = (): void => {
    timer = undefined;
    const before = newlyAdopted;
    sweep();
    // A new adoption may come with more (a daemon's workers): keep looking often.
    interval = newlyAdopted > before ? first : Math.min(interval * 2, max);
    schedule(interval);
  };
  const schedule = (ms: number): void => {
    if (closed) return;
    if (timer !== undefined) timers.clear(timer);
    timer = timers.set(look, ms);
  };
  const wake = (): void => {
    interval = first;
    schedule(first);
  };

  const onChild = (): void => {
    wake();
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      if (!closed) sweep();
    });
  };
  const subscribe =
    options.onSignal ??
    ((listener: () => void) => {
      process.on("SIGCHLD", listener);
      return () => process.off("SIGCHLD", listener);
    });
  const unsubscribe = subscribe(onChild);
  schedule(first);
  return {
    get reaped() {
      return reaped;
    },
    sweep,
    wake,
    close() {
      closed = true;
      if (timer !== undefined) timers.clear(timer);
      timer = undefined;
      unsubscribe();
    },
  };
}
