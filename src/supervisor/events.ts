/**
 * What happens in the supervisor, as structured events: one typed emitter, many listeners (the
 * log, the state file, hot reload, tests; the dashboard, metrics and dev router to come). A
 * listener reads fields, never log wording. Listeners run synchronously in emit order; one that
 * throws is a bug and does not stop the others.
 */
import type { ExitReason } from "../process/spawn.js";
import type { ProcessHandle } from "./process-handle.js";
import type { SiteState } from "./site-state.js";

/** Which process of which site: `alpha.2` of generation 3. */
interface ProcessRef {
  readonly site: string;
  readonly index: number;
  readonly generation: number;
  readonly pid: number;
}

export type SupervisorEvent =
  /** A site moved between states (`from.kind !== to.kind`). */
  | { readonly type: "state"; readonly site: string; readonly from: SiteState; readonly to: SiteState; readonly at: number }
  /** A process was spawned (ready or not yet); `proc` to read what it reports. */
  | (ProcessRef & { readonly type: "process-started"; readonly proc: ProcessHandle; readonly at: number })
  /** A process became ready; `startMs` from its spawn. */
  | (ProcessRef & { readonly type: "process-ready"; readonly proc: ProcessHandle; readonly startMs: number; readonly at: number })
  /** A process ended without being asked to (a crash, or a clean exit) — `exit` says how. */
  | (ProcessRef & { readonly type: "process-exited"; readonly exit: ExitReason; readonly uptimeMs: number; readonly at: number })
  /** A process was not ready in time or reported an error: it is ended like a crash. */
  | (ProcessRef & { readonly type: "process-not-ready"; readonly reason: "timeout" | "error"; readonly message: string })
  /** A slot waits `delayMs` before its next start; `reason` is what ended the last one. */
  | {
      readonly type: "restart-scheduled";
      readonly site: string;
      readonly index: number;
      readonly generation: number;
      readonly delayMs: number;
      readonly reason: string;
    }
  /** A process stopped on request; `killed` when the stop signal was not enough. */
  | (ProcessRef & { readonly type: "process-stopped"; readonly killed: boolean; readonly ms: number })
  /** A reload started generation `generation` beside `previous`. */
  | {
      readonly type: "reload-started";
      readonly site: string;
      readonly generation: number;
      readonly previous: number;
      readonly reason: string | undefined;
    }
  /**
   * A reload ended: `ok` (the new generation serves; `ms` from its start to its last process
   * ready, the old generation's drain not included) or failed (the old one keeps serving).
   */
  | {
      readonly type: "reload-finished";
      readonly site: string;
      readonly generation: number;
      readonly ok: boolean;
      readonly ms: number;
      readonly reason: string | undefined;
      readonly error: string | undefined;
    }
  /** A start of the site's processes ended: ok when every process served. */
  | {
      readonly type: "start-finished";
      readonly site: string;
      readonly ok: boolean;
      readonly ms: number;
      readonly error: string | undefined;
    }
  | { readonly type: "site-added"; readonly site: string }
  | { readonly type: "site-removed"; readonly site: string }
  /** A process of the site started, changed state or ended (the state file follows). */
  | { readonly type: "processes-changed"; readonly site: string }
  /** A site was given a changed configuration (hot reload re-reads what to watch). */
  | { readonly type: "site-updated"; readonly site: string };

export type SupervisorEventType = SupervisorEvent["type"];
export type EventOf<T extends SupervisorEventType> = Extract<SupervisorEvent, { type: T }>;

type AnyListener = (event: SupervisorEvent) => void;

export class SupervisorEvents {
  readonly #listeners = new Map<SupervisorEventType | "*", Set<AnyListener>>();

  /** Listens to one type of event; returns the function that stops listening. */
  on<T extends SupervisorEventType>(type: T, listener: (event: EventOf<T>) => void): () => void {
    return this.#add(type, listener as AnyListener);
  }

  /** Listens to every event (the log, a dashboard's feed). */
  onAny(listener: (event: SupervisorEvent) => void): () => void {
    return this.#add("*", listener);
  }

  emit(event: SupervisorEvent): void {
    for (const key of [event.type, "*"] as const) {
      for (const listener of [...(this.#listeners.get(key) ?? [])]) {
        listener(event);
      }
    }
  }

  #add(key: SupervisorEventType | "*", listener: AnyListener): () => void {
    let set = this.#listeners.get(key);
    if (set === undefined) this.#listeners.set(key, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }
}
