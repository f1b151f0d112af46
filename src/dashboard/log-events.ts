/**
 * The supervisor's events, read off its log until the core emits them typed: state changes come
 * with structured fields (`event: "state"`); a process's start and unplanned end are the slot's
 * messages (`[1] started pid 42`, `[1] pid 42 was killed by SIGKILL; restarting in 100 ms`).
 * Start and reload durations are the time between the state changes that bracket them.
 */
import type { Level } from "../logging/logger.js";
import type { TappedLog } from "../logging/tap.js";
import type { EventListener, ExitCause, SupervisorEvent } from "./view.js";

const STARTED = /^\[(\d+)\] started pid (\d+)$/;
const ENDED = /^\[(\d+)\] (?:pid (\d+) )?(.*?); (restarting in \d+ ms|not restarted.*|gave up: .*)$/;

export interface EventSource {
  subscribe(listener: EventListener): () => void;
  /** A `reload-config` outcome: the one event that is not about a site. */
  emit(event: SupervisorEvent): void;
}

export function eventsFromLog(tapped: TappedLog, now: () => number = Date.now): EventSource {
  const listeners = new Set<EventListener>();
  const emit = (event: SupervisorEvent): void => {
    for (const listener of listeners) listener(event);
  };
  /** When each site entered `starting` or `reloading`. */
  const since = new Map<string, number>();
  let untap: (() => void) | undefined;

  const onEvent = (_level: Level, message: string, site: string | undefined, fields: Record<string, unknown> | undefined): void => {
    if (site === undefined) return;
    const time = now();
    if (fields?.["event"] === "state" && typeof fields["from"] === "string" && typeof fields["to"] === "string") {
      const from = fields["from"];
      const to = fields["to"];
      const colon = message.indexOf(": ");
      const detail = colon === -1 ? undefined : message.slice(colon + 2);
      emit({ type: "state", time, site, from, to, detail });
      if (to === "starting" || to === "reloading") since.set(site, time);
      const began = since.get(site);
      if (from === "starting" && to === "running" && began !== undefined) emit({ type: "started", time, site, durationMs: time - began });
      if (from === "reloading" && began !== undefined) {
        const ok = !(detail ?? "").includes("reload failed");
        emit({ type: "reload", time, site, ok, durationMs: time - began, detail: detail ?? "" });
      }
      if (to !== "starting" && to !== "reloading") since.delete(site);
      if (detail?.startsWith("cannot start: ") === true) {
        emit({ type: "start-failed", time, site, error: detail.slice("cannot start: ".length) });
      }
      return;
    }
    if (message.startsWith("cannot start: ")) {
      emit({ type: "start-failed", time, site, error: message.slice("cannot start: ".length) });
      return;
    }
    const started = STARTED.exec(message);
    if (started !== null) {
      emit({ type: "process-started", time, site, index: Number(started[1]), pid: Number(started[2]) });
      return;
    }
    const ended = ENDED.exec(message);
    if (ended !== null) {
      const [, index = "0", pid, what = "", next = ""] = ended;
      emit({
        type: "process-exited",
        time,
        site,
        index: Number(index),
        pid: pid === undefined ? undefined : Number(pid),
        cause: causeOf(what),
        then: next.startsWith("restarting") ? "restart" : next.startsWith("gave up") ? "give-up" : "stay-down",
        detail: message.replace(/^\[\d+\] /, ""),
      });
    }
  };

  return {
    subscribe(listener) {
      listeners.add(listener);
      untap ??= tapped.listen({ event: onEvent });
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) {
          untap?.();
          untap = undefined;
        }
      };
    },
    emit,
  };
}

function causeOf(what: string): ExitCause {
  const code = /^exited with code (-?\d+)/.exec(what);
  if (code !== null) return { reason: "exit-code", code: Number(code[1]) };
  const signal = /^was killed by (SIG[A-Z0-9]+)/.exec(what);
  if (signal?.[1] !== undefined) return { reason: "signal", signal: signal[1] };
  if (what.startsWith("could not start")) return { reason: "spawn-error" };
  return { reason: "not-ready" };
}
