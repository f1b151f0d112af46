/**
 * Which of the supervisor's children Node itself spawned (and libuv will reap).
 *
 * libuv reaps only the pids of its own process handles, each with `waitpid(pid)`. Orphans
 * re-parented to the supervisor (it is their subreaper, or PID 1) are reaped by `reaper.ts` —
 * which must never reap one of libuv's children first, or that child's exit status is lost
 * (a crash would look like nothing). Node's `child_process` diagnostics channel announces
 * every ChildProcess created by any module (execa, spawn, execFile), so nothing has to
 * remember to register; a child counts as Node's until Node has seen its exit.
 */
import type { ChildProcess } from "node:child_process";
import diagnostics from "node:diagnostics_channel";

const children = new Set<ChildProcess>();
let subscribed = false;

/** Starts following Node's children; call before anything is spawned. Idempotent. */
export function trackOwnChildren(): void {
  if (subscribed) return;
  subscribed = true;
  diagnostics.subscribe("child_process", (message) => {
    const child = (message as { process?: ChildProcess }).process;
    if (child === undefined) return;
    children.add(child);
    child.once("exit", () => children.delete(child));
  });
}

/**
 * Pids of Node's children not yet reaped by libuv. Read asynchronously after a spawn, so a
 * child without a pid is one whose spawn failed: it is forgotten.
 */
export function ownChildPids(): Set<number> {
  const pids = new Set<number>();
  for (const child of children) {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) children.delete(child);
    else pids.add(child.pid);
  }
  return pids;
}
