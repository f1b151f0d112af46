/**
 * What to do when a process of a site ends on its own: a pure function of the site's policy,
 * its crash history, how the process ended and the time — no timers, no processes, so every
 * branch is tested on virtual time.
 */
import type { Backoff, MaxRestarts, RestartMode } from "../config/types.js";
import { formatDuration } from "../format/duration.js";

export interface RestartPolicy {
  readonly mode: RestartMode;
  readonly backoff: Backoff;
  readonly maxRestarts: MaxRestarts;
}

/** Unplanned exits of a site's processes, newest last; shared by all processes of the site. */
export interface CrashHistory {
  /** Times (ms) of unplanned exits inside the `maxRestarts.within` window. */
  readonly times: readonly number[];
  /** Unplanned exits since the last stable run: the backoff exponent. */
  readonly consecutive: number;
}

export const EMPTY_HISTORY: CrashHistory = Object.freeze({ times: Object.freeze([]), consecutive: 0 });

/** A run at least this long counts as stable and resets the backoff. */
export const STABLE_RUN_MS = 10_000;

export interface ProcessEnd {
  /** Exit code 0 (or a clean exit after the stop signal the process was not sent). */
  readonly clean: boolean;
  /** How long the process ran. */
  readonly uptimeMs: number;
}

export type RestartDecision =
  | { readonly action: "restart"; readonly delayMs: number; readonly history: CrashHistory }
  | { readonly action: "stay-down"; readonly history: CrashHistory }
  | { readonly action: "give-up"; readonly reason: string; readonly history: CrashHistory };

/**
 * @param random a number in [0, 1) for the jitter; injected so tests are deterministic.
 */
export function decideRestart(policy: RestartPolicy, history: CrashHistory, end: ProcessEnd, now: number, random: number): RestartDecision {
  const wanted = policy.mode === "always" || (policy.mode === "on-failure" && !end.clean);
  const consecutive = end.uptimeMs >= STABLE_RUN_MS ? 1 : history.consecutive + 1;
  const windowStart = now - policy.maxRestarts.withinMs;
  const times = [...history.times.filter((t) => t > windowStart), now];
  const next: CrashHistory = { times, consecutive };
  if (!wanted) return { action: "stay-down", history: next };
  if (times.length > policy.maxRestarts.count) {
    return {
      action: "give-up",
      reason: `${times.length} exits within ${formatDuration(policy.maxRestarts.withinMs)} (maxRestarts.count is ${policy.maxRestarts.count})`,
      history: next,
    };
  }
  return { action: "restart", delayMs: backoffDelay(policy.backoff, consecutive, random), history: next };
}

/**
 * The first crash after a stable run restarts at once — with the socket held, a one-off crash
 * then costs only the new process's start-up. A crash right after that restart waits `initial`,
 * doubling per further consecutive crash up to `max`, with ±10 % jitter so sites that crash
 * together do not restart in lockstep.
 */
export function backoffDelay(backoff: Backoff, consecutive: number, random: number): number {
  if (consecutive <= 1) return 0;
  const exponent = consecutive - 2;
  const base = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(exponent, 40));
  const jittered = base * (0.9 + 0.2 * random);
  return Math.round(Math.min(backoff.maxMs, jittered));
}
