/**
 * The supervisor's side of a `Type=notify` unit: READY once every autostart site is up or has
 * failed, RELOADING (with MONOTONIC_USEC, as systemd 253+ wants for `Type=notify-reload`) then
 * READY around a reload-config, STOPPING, a one-line STATUS with each, and the watchdog
 * keep-alive. Without NOTIFY_SOCKET every call does nothing.
 */
import { monotonicUsec, openNotifier, type Notifier } from "./sd-notify.js";
import { startWatchdog, watchdogPlan } from "./watchdog.js";

export interface SystemdSession {
  /** Whether systemd is told anything (NOTIFY_SOCKET set and usable); when not, every call is a no-op. */
  readonly active: boolean;
  ready(status: string): void;
  reloading(status: string): void;
  stopping(status: string): void;
  status(status: string): void;
  close(): void;
}

export function startSystemdSession(env: NodeJS.ProcessEnv, warn: (message: string) => void): SystemdSession {
  const opened = openNotifier(env["NOTIFY_SOCKET"]);
  if (opened.ok !== true) {
    if (opened.ok === false) warn(`NOTIFY_SOCKET is set but systemd cannot be notified: ${opened.reason}`);
    return { active: false, ready: noop, reloading: noop, stopping: noop, status: noop, close: noop };
  }
  const notifier: Notifier = opened.notifier;
  const plan = watchdogPlan(env, process.pid);
  const stopWatchdog = plan === undefined ? noop : startWatchdog(plan, () => notifier.send({ WATCHDOG: "1" }));
  return {
    active: true,
    ready: (status) => notifier.send({ READY: "1", STATUS: status }),
    reloading: (status) => notifier.send({ RELOADING: "1", MONOTONIC_USEC: monotonicUsec(), STATUS: status }),
    stopping: (status) => notifier.send({ STOPPING: "1", STATUS: status }),
    status: (status) => notifier.send({ STATUS: status }),
    close() {
      stopWatchdog();
      notifier.close();
    },
  };
}

/** `3 sites: 2 running, 1 fatal`. */
export function summarize(states: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const state of states) counts.set(state, (counts.get(state) ?? 0) + 1);
  const parts = [...counts].map(([state, count]) => `${count} ${state}`);
  return `${states.length} site${states.length === 1 ? "" : "s"}${parts.length > 0 ? `: ${parts.join(", ")}` : ""}`;
}

function noop(): void {}
