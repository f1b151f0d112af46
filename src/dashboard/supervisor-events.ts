/**
 * The supervisor's typed events, as the dashboard and `/metrics` keep them: plain data that
 * crosses the control socket as JSON (no process handles), one event per thing a viewer wants
 * to see — a crash with how it ended, a restart with its delay, a start or reload with its
 * duration, a failed start with its error.
 */
import type { EventOf, SupervisorEvent as CoreEvent, SupervisorEvents } from "../supervisor/events.js";
import { describeExit } from "../supervisor/process-slot.js";
import type { SiteState } from "../supervisor/site-state.js";
import type { EventListener, ExitCause, SupervisorEvent } from "./view.js";

export interface EventSource {
  subscribe(listener: EventListener): () => void;
  /** Events only the caller knows of (a `reload-config` outcome). */
  emit(event: SupervisorEvent): void;
}

export function dashboardEvents(core: SupervisorEvents, now: () => number = Date.now): EventSource {
  const listeners = new Set<EventListener>();
  const emit = (event: SupervisorEvent): void => {
    for (const listener of listeners) listener(event);
  };
  /** How each slot's last process ended, until its restart is scheduled. */
  const endings = new Map<string, ExitCause>();
  const slot = (e: { site: string; index: number; generation: number }): string => `${e.site}/${e.index}/${e.generation}`;
  let stop: (() => void) | undefined;

  const translate = (event: CoreEvent): void => {
    switch (event.type) {
      case "state":
        return emit({
          type: "state",
          time: event.at,
          site: event.site,
          from: event.from.kind,
          to: event.to.kind,
          detail: detailOf(event.to),
        });
      case "process-started":
        return emit({ type: "process-started", time: event.at, site: event.site, index: event.index, pid: event.pid });
      case "process-exited":
        return exited(event);
      case "process-not-ready":
        endings.set(slot(event), { reason: "not-ready" });
        return;
      case "restart-scheduled": {
        const cause = endings.get(slot(event)) ?? { reason: "not-ready" };
        endings.delete(slot(event));
        return emit({
          type: "restart",
          time: now(),
          site: event.site,
          index: event.index,
          cause,
          delayMs: event.delayMs,
          detail: event.reason,
        });
      }
      case "start-finished":
        return emit(
          event.ok
            ? { type: "started", time: now(), site: event.site, durationMs: event.ms }
            : { type: "start-failed", time: now(), site: event.site, error: event.error ?? "did not start" },
        );
      case "reload-finished":
        return emit({
          type: "reload",
          time: now(),
          site: event.site,
          ok: event.ok,
          durationMs: event.ms,
          detail: event.error ?? event.reason ?? "",
        });
      case "process-ready":
      case "process-stopped":
      case "reload-started":
      case "site-added":
      case "site-removed":
      case "processes-changed":
      case "site-updated":
        return;
      default:
        throw new Error(`unknown event ${JSON.stringify(event satisfies never)}`);
    }
  };

  const exited = (event: EventOf<"process-exited">): void => {
    const cause = causeOf(event.exit);
    endings.set(slot(event), cause);
    emit({
      type: "process-exited",
      time: event.at,
      site: event.site,
      index: event.index,
      pid: event.pid,
      cause,
      uptimeMs: event.uptimeMs,
      detail: `pid ${event.pid} ${describeExit(event.exit)}`,
    });
  };

  return {
    subscribe(listener) {
      listeners.add(listener);
      stop ??= core.onAny(translate);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) {
          stop?.();
          stop = undefined;
        }
      };
    },
    emit,
  };
}

function causeOf(exit: EventOf<"process-exited">["exit"]): ExitCause {
  switch (exit.reason) {
    case "exit-code":
      return { reason: "exit-code", code: exit.code };
    case "signal":
      return { reason: "signal", signal: exit.signal };
    case "spawn-error":
      return { reason: "spawn-error" };
    default:
      throw new Error(`unknown exit ${JSON.stringify(exit satisfies never)}`);
  }
}

/** What a viewer reads beside a state: why it is down, or why it reloads. */
function detailOf(state: SiteState): string | undefined {
  switch (state.kind) {
    case "fatal":
      return state.reason;
    case "backoff":
    case "exited":
      return state.lastExit;
    case "reloading":
      return state.reason;
    case "stopped":
    case "idle":
    case "starting":
    case "running":
    case "stopping":
      return undefined;
    default:
      throw new Error(`unknown state ${JSON.stringify(state satisfies never)}`);
  }
}
