/**
 * A stop that ends everything a site process started, not only its group: whatever the
 * tracker finds outside the group gets the stop signal with the group, and SIGKILL when the
 * stop timeout runs out — so a `setsid` escapee or a double-forked daemon is gone within the
 * site's `stopTimeout`, like the group itself.
 */
import { signal, type ProcessTracker } from "./tracking.js";

export interface TrackedStop {
  readonly leader: number;
  readonly tracker: ProcessTracker;
  readonly signal: NodeJS.Signals;
  readonly timeoutMs: number;
  /** The group's own graceful stop (`process/kill.ts`). */
  readonly stopGroup: () => Promise<{ killed: boolean }>;
  readonly pollMs?: number;
}

export async function stopTracked(stop: TrackedStop): Promise<{ killed: boolean }> {
  const deadline = Date.now() + stop.timeoutMs;
  const pollMs = stop.pollMs ?? 50;
  const signalled = new Set<number>();
  const signalNew = (pids: readonly number[]): void => {
    for (const pid of pids) {
      if (signalled.has(pid)) continue;
      signalled.add(pid);
      signal(pid, stop.signal);
      signal(pid, "SIGCONT");
    }
  };
  signalNew(stop.tracker.others(stop.leader));
  let { killed } = await stop.stopGroup();
  // Escapees whose parent just died are re-parented now: they are found on the next look.
  for (;;) {
    const rest = stop.tracker.others(stop.leader);
    if (rest.length === 0) break;
    signalNew(rest);
    if (Date.now() >= deadline) {
      stop.tracker.killAll(stop.leader);
      killed = true;
      const until = Date.now() + 2000;
      while (stop.tracker.others(stop.leader).length > 0 && Date.now() < until) await delay(pollMs);
      break;
    }
    await delay(Math.min(pollMs, Math.max(1, deadline - Date.now())));
  }
  stop.tracker.release();
  return { killed };
}

/** After a crash: everything the dead process left, ended at once. */
export function killTracked(leader: number, tracker: ProcessTracker): void {
  tracker.killAll(leader);
  // The leaf empties as the kernel ends its processes; removing it can wait for the next look.
  setTimeout(() => tracker.release(), 200).unref();
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
