/**
 * systemd's watchdog: with `WatchdogSec=` systemd sets WATCHDOG_USEC (and WATCHDOG_PID) and
 * restarts the unit if `WATCHDOG=1` does not arrive in time. The keep-alive goes out at half
 * that period, as sd_watchdog_enabled(3) advises, from the event loop — so a supervisor whose
 * loop is stuck stops sending and is restarted.
 */
export interface WatchdogPlan {
  readonly intervalMs: number;
}

/** The keep-alive period asked for, or undefined (not set, not for this pid, not a number). */
export function watchdogPlan(env: NodeJS.ProcessEnv, pid: number): WatchdogPlan | undefined {
  const usec = Number(env["WATCHDOG_USEC"]);
  if (!Number.isFinite(usec) || usec <= 0) return undefined;
  const forPid = env["WATCHDOG_PID"];
  if (forPid !== undefined && forPid !== "" && Number(forPid) !== pid) return undefined;
  return { intervalMs: Math.max(1, Math.floor(usec / 2000)) };
}

/** Calls `ping` every interval until stopped; the timer never keeps the process alive. */
export function startWatchdog(plan: WatchdogPlan, ping: () => void): () => void {
  ping();
  const timer = setInterval(ping, plan.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
