/**
 * A stop that ends everything a site process started, not only its group: whatever the
 * tracker finds outside the group gets the stop signal with the group, and SIGKILL when the
 * stop timeout runs out — so a `setsid` escapee or a double-forked daemon is gone within the
 * site's `stopTimeout`, like the group itself.
 */
import { sleep, type Clock } from "../time/clock.js";
import { signal as realSignal, type ProcessTracker } from "./tracking.js";

export interface TrackedStop {
  readonly leader: number;
  readonly tracker: ProcessTracker;
  readonly signal: NodeJS.Signals;
  readonly timeoutMs: number;
  /** The group's own graceful stop (`process/kill.ts`). */
  readonly stopGroup: () => Promise<{ killed: boolean }>;
  readonly clock: Clock;
  /** Signals one escapee (`process.kill`, ignoring the gone). */
  readonly kill?: (pid: number, signal: NodeJS.Signals) => void;
  readonly pollMs?: number;
}

export async function stopTracked(stop: TrackedStop): Promise<{ killed: boolean }> {
  const { clock } = stop;
  const kill = stop.kill ?? realSignal;
  const deadline = clock.now() + stop.timeoutMs;
  const pollMs = stop.pollMs ?? 50;
  const signalled = new Set<number>();
  const signalNew = (pids: readonly number[]): void => {
    for (const pid of pids) {
      if (signalled.has(pid)) continue;
      signalled.add(pid);
      kill(pid, stop.signal);
      kill(pid, "SIGCONT");
    }
  };
  signalNew(stop.tracker.others(stop.leader));
  let { killed } = await stop.stopGroup();
  // Escapees whose parent just died are re-parented now: they are found on the next look.
  for (;;) {
    const rest = stop.tracker.others(stop.leader);
    if (rest.length === 0) break;
    signalNew(rest);
    if (clock.now() >= deadline) {
      stop.tracker.killAll(stop.leader);
      killed = true;
      const until = clock.now() + 2000;
      while (stop.tracker.others(stop.leader).length > 0 && clock.now() < until) await sleep(clock, pollMs);
      break;
    }
    await sleep(clock, Math.min(pollMs, Math.max(1, deadline - clock.now())));
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
