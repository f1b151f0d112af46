/**
 * One process position (`alpha.2`) of one generation of a site, supervised on its own: a crash
 * restarts this process after its backoff, not the whole site.
 *
 * ```
 *            start()                 ready
 *   idle ───────────► starting ───────────────► running
 *                      ▲   │ exit / not ready       │ exit (unplanned)
 *                timer │   ▼                        ▼
 *                    backoff ◄──── restart ──── decideRestart ───► exited (stay down)
 *                                                   └──────────► fatal  (gave up)
 *   (candidate slots of a reload do not restart before ready: they go to `failed`)
 *   any ──stop()──► stopping ──► stopped
 * ```
 */
import type { ReadyRule } from "../config/types.js";
import type { BoundSocket } from "../sockets/bind.js";
import type { ExitReason } from "../process/spawn.js";
import { describeReported } from "../protocol/notify.js";
import type { Clock, ClockTimer } from "../time/clock.js";
import type { SupervisorEvent } from "./events.js";
import type { ProcessHandle } from "./process-handle.js";
import { waitReady } from "./readiness.js";
import type { ProcessEnd, RestartDecision } from "./restart-policy.js";

export type SlotState =
  | { readonly kind: "idle" }
  | { readonly kind: "starting"; readonly proc: ProcessHandle; readonly abort: AbortController }
  | { readonly kind: "running"; readonly proc: ProcessHandle; readonly readyAt: number }
  | { readonly kind: "backoff"; readonly timer: ClockTimer; readonly until: number; readonly lastExit: string }
  | { readonly kind: "stopping"; readonly proc: ProcessHandle | undefined }
  | { readonly kind: "stopped" }
  | { readonly kind: "exited"; readonly lastExit: string }
  | { readonly kind: "failed"; readonly reason: string }
  | { readonly kind: "fatal"; readonly reason: string };

/** How the first start of a slot ended: it served, or it will not (without a new start). */
export type SlotSettle = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export type SpawnOutcome = { readonly ok: true; readonly proc: ProcessHandle } | { readonly ok: false; readonly message: string };

export interface SlotDeps {
  readonly site: string;
  readonly index: number;
  readonly generation: number;
  readonly spawn: () => SpawnOutcome;
  readonly ready: () => { rule: ReadyRule; socket: BoundSocket | undefined; timeoutMs: number };
  readonly stopSignal: () => { signal: NodeJS.Signals; timeoutMs: number };
  /** The site's restart policy applied to its shared crash history. */
  readonly decide: (end: ProcessEnd) => RestartDecision;
  readonly changed: (slot: ProcessSlot, message: string, level?: "info" | "warn" | "error", fields?: Record<string, unknown>) => void;
  readonly emit: (event: SupervisorEvent) => void;
  readonly clock: Clock;
}

export class ProcessSlot {
  #state: SlotState = { kind: "idle" };
  /** Candidates (a reload's new generation) fail instead of restarting before their first ready. */
  #candidate: boolean;
  #lastStartedAt = 0;
  restarts = 0;
  readonly settled: Promise<SlotSettle>;
  #settle!: (value: SlotSettle) => void;
  readonly deps: SlotDeps;

  constructor(deps: SlotDeps, candidate: boolean) {
    this.deps = deps;
    this.#candidate = candidate;
    this.settled = new Promise((resolve) => (this.#settle = resolve));
  }

  get state(): SlotState {
    return this.#state;
  }

  get proc(): ProcessHandle | undefined {
    const state = this.#state;
    return state.kind === "starting" || state.kind === "running" || state.kind === "stopping" ? state.proc : undefined;
  }

  get label(): string {
    return `${this.deps.site}.${this.deps.index}`;
  }

  /** A candidate that served becomes a supervised process: from now on crashes restart it. */
  promote(): void {
    this.#candidate = false;
  }

  start(): void {
    if (this.#state.kind !== "idle" && this.#state.kind !== "backoff") return;
    this.#lastStartedAt = this.deps.clock.now();
    const spawned = this.deps.spawn();
    if (!spawned.ok) {
      this.#ended({ clean: false, uptimeMs: 0 }, spawned.message);
      return;
    }
    const proc = spawned.proc;
    const abort = new AbortController();
    const ref = { site: this.deps.site, index: this.deps.index, generation: this.deps.generation, pid: proc.pid };
    this.deps.emit({ type: "process-started", ...ref, proc, at: proc.startedAt });
    this.#set({ kind: "starting", proc, abort }, `started pid ${proc.pid}`, "info", { event: "process-started", ...ref });
    void proc.exited.then((exit) => this.#exited(proc, exit));
    void waitReady(proc, { ...this.deps.ready(), signal: abort.signal, clock: this.deps.clock }).then((outcome) => {
      if (this.#state.kind !== "starting" || this.#state.proc !== proc) return;
      if (outcome.ok) {
        const at = this.deps.clock.now();
        this.#set({ kind: "running", proc, readyAt: at }, `pid ${proc.pid} ready`, "info", { event: "process-ready", ...ref });
        this.deps.emit({ type: "process-ready", ...ref, proc, startMs: at - proc.startedAt, at });
        this.#settle({ ok: true });
        return;
      }
      if (outcome.reason === "exited" || outcome.reason === "cancelled") return; // handled by #exited / stop()
      this.deps.emit({ type: "process-not-ready", ...ref, reason: outcome.reason, message: outcome.message });
      this.deps.changed(this, `pid ${proc.pid} ${outcome.message}`, "warn");
      const end = (): void => {
        if (this.#state.kind !== "starting" || this.#state.proc !== proc) return;
        // Not ready in time, or it reported an error and did not exit: end it like a crash.
        this.#state = { kind: "stopping", proc };
        const { signal, timeoutMs } = this.deps.stopSignal();
        void proc
          .stop(signal, timeoutMs)
          .then(() => this.#ended({ clean: false, uptimeMs: this.deps.clock.now() - this.#lastStartedAt }, outcome.message));
      };
      // A process that reported its own failure exits by itself; #exited then handles it (and
      // kills what it left in its group at once). Only one that lingers is stopped.
      if (outcome.reason === "error") this.deps.clock.setTimeout(end, 2000).unref();
      else end();
    });
  }

  async stop(): Promise<void> {
    const state = this.#state;
    switch (state.kind) {
      case "idle":
      case "stopped":
      case "exited":
      case "failed":
      case "fatal":
        this.#set({ kind: "stopped" }, "");
        this.#settle({ ok: false, reason: "stopped" });
        return;
      case "backoff":
        this.deps.clock.clearTimeout(state.timer);
        this.#set({ kind: "stopped" }, "");
        this.#settle({ ok: false, reason: "stopped" });
        return;
      case "starting":
        state.abort.abort();
        break;
      case "running":
      case "stopping":
        break;
      default:
        throw unknownState(state);
    }
    const proc = state.proc;
    if (proc === undefined) return;
    this.#state = { kind: "stopping", proc };
    this.#settle({ ok: false, reason: "stopped" });
    const { signal, timeoutMs } = this.deps.stopSignal();
    const stopStarted = this.deps.clock.now();
    const outcome = await proc.stop(signal, timeoutMs);
    this.deps.emit({
      type: "process-stopped",
      site: this.deps.site,
      index: this.deps.index,
      generation: this.deps.generation,
      pid: proc.pid,
      killed: outcome.killed,
      ms: this.deps.clock.now() - stopStarted,
    });
    this.#set(
      { kind: "stopped" },
      outcome.killed ? `pid ${proc.pid} did not stop within ${timeoutMs} ms of ${signal}: killed` : `pid ${proc.pid} stopped`,
      outcome.killed ? "warn" : "info",
      { event: "process-stopped", pid: proc.pid, killed: outcome.killed },
    );
  }

  #exited(proc: ProcessHandle, exit: ExitReason): void {
    const state = this.#state;
    if (state.kind === "stopping" || state.kind === "stopped") return; // a planned stop
    if ((state.kind !== "starting" && state.kind !== "running") || state.proc !== proc) return;
    if (state.kind === "starting") state.abort.abort();
    proc.killGroup();
    const clean = exit.reason === "exit-code" && exit.code === 0;
    const reported = proc.lastError?.type === "error" ? `: ${describeReported(proc.lastError)}` : "";
    const uptimeMs = this.deps.clock.now() - proc.startedAt;
    const ref = { site: this.deps.site, index: this.deps.index, generation: this.deps.generation, pid: proc.pid };
    this.deps.emit({ type: "process-exited", ...ref, exit, uptimeMs, at: this.deps.clock.now() });
    // A kill by the site's memory limit reads as such, not as a bare SIGKILL.
    const why = (exit.reason === "signal" ? proc.exitNote?.() : undefined) ?? describeExit(exit);
    this.#ended({ clean, uptimeMs }, `pid ${proc.pid} ${why}${reported}`);
  }

  #ended(end: ProcessEnd, what: string): void {
    if (this.#candidate) {
      this.#set({ kind: "failed", reason: what }, what, "warn");
      this.#settle({ ok: false, reason: what });
      return;
    }
    const decision = this.deps.decide(end);
    switch (decision.action) {
      case "restart": {
        const until = this.deps.clock.now() + decision.delayMs;
        const timer = this.deps.clock.setTimeout(() => {
          this.restarts += 1;
          this.start();
        }, decision.delayMs);
        this.deps.emit({
          type: "restart-scheduled",
          site: this.deps.site,
          index: this.deps.index,
          generation: this.deps.generation,
          delayMs: decision.delayMs,
          reason: what,
        });
        this.#set({ kind: "backoff", timer, until, lastExit: what }, `${what}; restarting in ${decision.delayMs} ms`, "warn", {
          event: "restart-scheduled",
          delayMs: decision.delayMs,
        });
        // Whoever waits on this start hears of the failure now, not after the backoff; the
        // slot keeps trying on its own (a no-op once it has been ready before).
        this.#settle({ ok: false, reason: `${what}; restarting in ${decision.delayMs} ms` });
        return;
      }
      case "stay-down":
        this.#set(
          { kind: "exited", lastExit: what },
          `${what}; not restarted (restart: ${end.clean ? "on-failure, clean exit" : "never"})`,
        );
        this.#settle({ ok: false, reason: what });
        return;
      case "give-up":
        this.#set({ kind: "fatal", reason: `${what}; gave up: ${decision.reason}` }, `${what}; gave up: ${decision.reason}`, "error");
        this.#settle({ ok: false, reason: `${what}; gave up: ${decision.reason}` });
        return;
      default:
        throw unknownState(decision);
    }
  }

  #set(state: SlotState, message: string, level: "info" | "warn" | "error" = "info", fields?: Record<string, unknown>): void {
    this.#state = state;
    this.deps.changed(this, message, level, fields);
  }
}

export function describeExit(exit: ExitReason): string {
  switch (exit.reason) {
    case "exit-code":
      return `exited with code ${exit.code}`;
    case "signal":
      return `was killed by ${exit.signal}`;
    case "spawn-error":
      return `could not start: ${exit.message}`;
    default:
      throw unknownState(exit);
  }
}

function unknownState(state: never): Error {
  return new Error(`unknown state ${JSON.stringify(state)}`);
}
