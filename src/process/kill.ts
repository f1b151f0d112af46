/**
 * Signalling a site's process group.
 *
 * Each process is spawned `detached`, so it leads a group whose id is its own pid; signalling
 * `-pid` reaches every grandchild it started too. The guards below make sure a bug can never
 * turn this into a signal for the supervisor's own group or for init.
 */
import { sleep, type Clock } from "../time/clock.js";
import { groupHasLiveMembers } from "./proc-stat.js";

export interface Signaller {
  /** `process.kill`, injectable for tests. */
  kill(pid: number, signal: NodeJS.Signals | 0): void;
}

export const realSignaller: Signaller = { kill: (pid, signal) => process.kill(pid, signal) };

function assertOwnGroup(pgid: number): void {
  // A group id of 0 or 1, or the supervisor's own pid, would hit the supervisor's group or init.
  if (!Number.isInteger(pgid) || pgid <= 1 || pgid === process.pid || pgid === process.ppid) {
    throw new Error(`refusing to signal process group ${pgid}: not a group tsgi created`);
  }
}

/** Sends `signal` to the whole group; false when the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0, signaller: Signaller = realSignaller): boolean {
  assertOwnGroup(pgid);
  try {
    signaller.kill(-pgid, signal);
    return true;
  } catch (error) {
    if (isErrno(error, "ESRCH")) return false;
    if (isErrno(error, "EPERM")) return false;
    throw error;
  }
}

/** True while any process of the group is alive. */
export function groupAlive(pgid: number, signaller: Signaller = realSignaller): boolean {
  return signalGroup(pgid, 0, signaller);
}

function isErrno(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}

export interface StopOptions {
  readonly signal: NodeJS.Signals;
  readonly timeoutMs: number;
  /** Resolves when the group leader has exited (and been reaped). */
  readonly leaderExited: Promise<unknown>;
  readonly clock: Clock;
  readonly signaller?: Signaller;
  /** Is any process of the group still alive (after the leader exited)? `/proc` by default. */
  readonly groupHasLiveMembers?: (pgid: number) => boolean;
}

export interface StopOutcome {
  /** True when SIGKILL was needed. */
  readonly killed: boolean;
}

/**
 * Graceful stop of a group: the stop signal, then SIGCONT (a SIGSTOPped process would otherwise
 * never act on it), then SIGKILL to the group at `timeoutMs` if the leader or any grandchild is
 * still there.
 */
export async function stopGroup(pgid: number, options: StopOptions): Promise<StopOutcome> {
  const signaller = options.signaller ?? realSignaller;
  if (!signalGroup(pgid, options.signal, signaller)) {
    await options.leaderExited;
    return { killed: false };
  }
  signalGroup(pgid, "SIGCONT", signaller);
  const clock = options.clock;
  const liveMembers = options.groupHasLiveMembers ?? groupHasLiveMembers;
  const deadline = clock.now() + options.timeoutMs;
  let leaderDone = false;
  void options.leaderExited.then(() => (leaderDone = true));
  while (clock.now() < deadline) {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set by the leaderExited callback
    if (leaderDone && (!groupAlive(pgid, signaller) || !liveMembers(pgid))) return { killed: false };
    // The leader's exit wakes the loop at once (a reload's answer and a restart wait on this
    // stop); the poll is for what the leader leaves in its group.
    const poll = sleep(clock, Math.min(25, Math.max(1, deadline - clock.now())));
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set by the leaderExited callback
    await (leaderDone ? poll : Promise.race([poll, options.leaderExited]));
  }
  signalGroup(pgid, "SIGKILL", signaller);
  // A SIGKILLed leader is reaped at once; bound the wait all the same so a stop always ends.
  await Promise.race([options.leaderExited, sleep(clock, 2000, true)]);
  return { killed: true };
}

/** After a crash: whatever the dead leader left in its group is ended at once. */
export function killLeftovers(pgid: number, signaller: Signaller = realSignaller): void {
  if (groupAlive(pgid, signaller)) signalGroup(pgid, "SIGKILL", signaller);
}
