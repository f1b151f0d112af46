/**
 * One site: its socket, its generations of processes, and the operations on them.
 *
 * ```
 *            start                 every process ready
 *  stopped ────────► starting ─────────────────────────► running ◄───────────┐
 *     ▲                 ▲ │ a process waits to restart      │ reload         │ new generation ready
 *     │           timer │ ▼                                 ▼                │ (or failed: old kept)
 *     │               backoff                           reloading ───────────┘
 *     │ stop                                                │
 *  stopping ◄──────────────── stop (from any state) ────────┘
 *  exited: every process ended and stays down (restart: never / on-failure after exit 0)
 *  fatal:  a process crashed more than maxRestarts allows; the site's other processes are stopped
 * ```
 *
 * The state is derived from what the generation's slots are doing plus the operation under
 * way, so it can never disagree with them. Operations run one at a time; a reload asked for
 * while one is queued or running joins it (single-flight), and `stop` cancels a reload's wait.
 */
import type { ResolvedSite } from "../config/types.js";
import { wsgiPreflight } from "../kinds/wsgi-preflight.js";
import type { Log } from "../logging/logger.js";
import { resolveAccounts } from "../process/accounts.js";
import { bindSocket, type BoundSocket } from "../sockets/bind.js";
import type { ProcessHandle } from "./process-handle.js";
import { ProcessSlot, type SlotSettle, type SpawnOutcome } from "./process-slot.js";
import { decideRestart, EMPTY_HISTORY, type CrashHistory } from "./restart-policy.js";
import { siteSnapshot, type SiteSnapshot } from "./site-snapshot.js";
import { spawnSiteProcess } from "./spawn-site-process.js";

export type SiteStateName = "stopped" | "starting" | "running" | "reloading" | "backoff" | "stopping" | "exited" | "fatal";

export type OpResult = { readonly ok: true; readonly message: string } | { readonly ok: false; readonly message: string };

export interface SiteDeps {
  readonly log: Log;
  readonly now: () => number;
  readonly random: () => number;
  /** A process started or ended somewhere (the state file follows). */
  readonly processesChanged?: () => void;
}

interface Generation {
  readonly id: number;
  readonly slots: readonly ProcessSlot[];
}

type Operation = "none" | "stopping" | "reloading";

export class Site {
  #config: ResolvedSite;
  #socket: BoundSocket | undefined;
  #current: Generation | undefined;
  #next: Generation | undefined;
  #operation: Operation = "none";
  #history: CrashHistory = EMPTY_HISTORY;
  #generationCount = 0;
  #reason: string | undefined;
  #lastState: SiteStateName = "stopped";
  #queue: Promise<unknown> = Promise.resolve();
  #queuedReload: Promise<OpResult> | undefined;
  /** Aborts the wait of a start or reload under way (a stop must not queue behind it). */
  #waitAbort: AbortController | undefined;
  readonly #deps: SiteDeps;
  /** Called with every process that became ready (hot reload watches its loaded files). */
  onProcessReady: ((proc: ProcessHandle) => void) | undefined;
  /** Called with every process spawned, ready or not (hot reload hears what it loaded). */
  onProcessStarted: ((proc: ProcessHandle) => void) | undefined;

  constructor(config: ResolvedSite, deps: SiteDeps) {
    this.#config = config;
    this.#deps = deps;
  }

  get name(): string {
    return this.#config.name;
  }

  get config(): ResolvedSite {
    return this.#config;
  }

  get state(): SiteStateName {
    if (this.#operation === "stopping") return "stopping";
    if (this.#operation === "reloading") return "reloading";
    const gen = this.#current;
    if (gen === undefined) return this.#reason === undefined ? "stopped" : "fatal";
    const kinds = gen.slots.map((slot) => slot.state.kind);
    if (kinds.includes("fatal")) return "fatal";
    if (kinds.every((kind) => kind === "running")) return "running";
    if (kinds.includes("backoff")) return "backoff";
    if (kinds.every((kind) => kind === "exited" || kind === "failed" || kind === "stopped")) return "exited";
    return "starting";
  }

  /** Pids of the processes now serving (or starting), current generation only. */
  pids(): number[] {
    return (this.#current?.slots ?? []).flatMap((slot) => (slot.proc === undefined ? [] : [slot.proc.pid]));
  }

  processes(): ProcessHandle[] {
    return (this.#current?.slots ?? []).flatMap((slot) => (slot.proc === undefined ? [] : [slot.proc]));
  }

  /** Every live process of the site, a reload's new generation included. */
  allProcesses(): ProcessHandle[] {
    const slots = [...(this.#current?.slots ?? []), ...(this.#next?.slots ?? [])];
    return slots.flatMap((slot) => (slot.proc === undefined ? [] : [slot.proc]));
  }

  snapshot(): SiteSnapshot {
    return siteSnapshot({
      name: this.name,
      state: this.state,
      config: this.#config,
      generation: this.#current?.id ?? 0,
      slots: this.#current?.slots ?? [],
      reason: this.#reason,
    });
  }

  start(): Promise<OpResult> {
    return this.#enqueue(() => this.#start());
  }

  stop(): Promise<OpResult> {
    this.#waitAbort?.abort();
    return this.#enqueue(() => this.#stop(true));
  }

  restart(): Promise<OpResult> {
    this.#waitAbort?.abort();
    return this.#enqueue(async () => {
      const before = this.pids();
      const started = Date.now();
      await this.#stop(false);
      const result = await this.#start();
      return result.ok
        ? { ok: true, message: `${this.name} restarted in ${Date.now() - started} ms: pids ${list(before)} → ${list(this.pids())}` }
        : result;
    });
  }

  /** Graceful: the new generation first, the old one stopped only once the new one serves. */
  reload(reason?: string): Promise<OpResult> {
    if (this.#queuedReload !== undefined) return this.#queuedReload;
    const queued = this.#enqueue(() => {
      this.#queuedReload = undefined;
      return this.#reload(reason);
    });
    this.#queuedReload = queued;
    return queued;
  }

  /** A changed site from `reload-config`: reload in place, or restart when its socket changed. */
  update(config: ResolvedSite, socketChanged: boolean): Promise<OpResult> {
    return this.#enqueue(async () => {
      const wasUp = this.#current !== undefined;
      if (socketChanged) {
        await this.#stop(true);
        this.#config = config;
        return wasUp || config.autostart ? this.#start() : { ok: true, message: `${this.name} updated (not started: autostart false)` };
      }
      this.#config = config;
      if (!wasUp) return { ok: true, message: `${this.name} updated` };
      return this.#reload("its configuration changed");
    });
  }

  /** Stops everything and releases the socket for good (site removed, supervisor exiting). */
  remove(): Promise<OpResult> {
    this.#waitAbort?.abort();
    return this.#enqueue(() => this.#stop(true));
  }

  #enqueue(operation: () => Promise<OpResult>): Promise<OpResult> {
    const run = this.#queue.then(operation, operation).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      this.#deps.log.event("error", `internal error: ${message}`, this.name);
      return { ok: false, message: `${this.name}: ${message}` } satisfies OpResult;
    });
    this.#queue = run;
    return run;
  }

  async #start(): Promise<OpResult> {
    if (this.#current !== undefined && this.state !== "exited" && this.state !== "fatal") {
      return { ok: true, message: `${this.name} is already ${this.state}` };
    }
    if (this.#current !== undefined) await this.#stopGeneration(this.#current);
    this.#current = undefined;
    this.#reason = undefined;
    this.#history = EMPTY_HISTORY;
    const started = Date.now();
    const problem = await this.#prepare();
    if (problem !== undefined) {
      this.#reason = problem;
      this.#releaseSocket();
      this.#changed(`cannot start: ${problem}`, "error");
      return { ok: false, message: `${this.name}: ${problem}` };
    }
    const gen = this.#newGeneration(false);
    this.#current = gen;
    this.#changed("starting");
    for (const slot of gen.slots) slot.start();
    // A process in backoff settles only once it serves or gives up: a stop asked for meanwhile
    // cancels this wait rather than queue behind it.
    const settles = await this.#settled(gen);
    const failed = settles.find((s) => !s.ok);
    if (failed !== undefined && !failed.ok) {
      return { ok: false, message: `${this.name} did not start: ${failed.reason}` };
    }
    return { ok: true, message: `${this.name} started in ${Date.now() - started} ms: pids ${list(this.pids())}` };
  }

  async #reload(reason: string | undefined): Promise<OpResult> {
    const old = this.#current;
    if (old === undefined || this.state === "exited" || this.state === "fatal") return this.#start();
    const started = Date.now();
    const before = this.pids();
    this.#operation = "reloading";
    const next = this.#newGeneration(true);
    this.#next = next;
    this.#changed(`reloading${reason === undefined ? "" : ` (${reason})`}: starting generation ${next.id}`);
    for (const slot of next.slots) slot.start();
    const settles = await this.#settled(next);
    this.#next = undefined;
    const failed = settles.find((s) => !s.ok);
    if (failed !== undefined && !failed.ok) {
      await this.#stopGeneration(next);
      this.#operation = "none";
      const message = `${this.name} reload failed, old generation keeps serving (pids ${list(before)}): ${failed.reason}`;
      this.#changed(message, "error");
      return { ok: false, message };
    }
    for (const slot of next.slots) slot.promote();
    this.#current = next;
    this.#operation = "none";
    const ms = Date.now() - started;
    this.#changed(`generation ${next.id} serving; stopping generation ${old.id}`);
    await this.#stopGeneration(old);
    return { ok: true, message: `${this.name} reloaded in ${ms} ms: pids ${list(before)} → ${list(this.pids())}` };
  }

  /** Every slot's first settle, or `cancelled` as soon as a stop aborts the wait. */
  async #settled(gen: Generation): Promise<SlotSettle[]> {
    const abort = new AbortController();
    this.#waitAbort = abort;
    const cancelled = new Promise<SlotSettle[]>((resolve) =>
      abort.signal.addEventListener("abort", () => resolve([{ ok: false, reason: "cancelled by a stop" }])),
    );
    try {
      return await Promise.race([Promise.all(gen.slots.map((slot) => slot.settled)), cancelled]);
    } finally {
      if (this.#waitAbort === abort) this.#waitAbort = undefined;
    }
  }

  async #stop(releaseSocket: boolean): Promise<OpResult> {
    const gen = this.#current;
    if (gen === undefined) {
      if (releaseSocket) this.#releaseSocket();
      return { ok: true, message: `${this.name} is already stopped` };
    }
    const started = Date.now();
    const before = this.pids();
    this.#operation = "stopping";
    this.#changed("stopping");
    await this.#stopGeneration(gen);
    this.#current = undefined;
    this.#operation = "none";
    this.#reason = undefined;
    if (releaseSocket) this.#releaseSocket();
    this.#changed(`stopped in ${Date.now() - started} ms`);
    return { ok: true, message: `${this.name} stopped in ${Date.now() - started} ms (pids ${list(before)})` };
  }

  async #stopGeneration(gen: Generation): Promise<void> {
    await Promise.all(gen.slots.map((slot) => slot.stop()));
  }

  /** Everything that must hold before a first process is spawned: socket, accounts, imports. */
  async #prepare(): Promise<string | undefined> {
    const config = this.#config;
    const accounts = resolveAccounts(config.user, config.group);
    if (!accounts.ok) return accounts.message;
    if (config.listen !== undefined && this.#socket === undefined) {
      const bound = await bindSocket(this.name, config.listen);
      if (!bound.ok) return bound.message.replace(`${this.name}: `, "");
      this.#socket = bound.socket;
    }
    if (config.kind.type === "wsgi") {
      const check = await wsgiPreflight(config);
      if (!check.ok) return check.message;
    }
    return undefined;
  }

  #releaseSocket(): void {
    this.#socket?.close();
    this.#socket = undefined;
  }

  #newGeneration(candidate: boolean): Generation {
    this.#generationCount += 1;
    const id = this.#generationCount;
    const slots = Array.from({ length: this.#config.processes }, (_, i) => {
      const index = i + 1;
      return new ProcessSlot(
        {
          site: this.name,
          index,
          generation: id,
          spawn: () => this.#spawn(index, id),
          ready: () => ({ rule: this.#config.ready, socket: this.#socket, timeoutMs: this.#config.startTimeoutMs }),
          stopSignal: () => ({ signal: this.#config.stopSignal, timeoutMs: this.#config.stopTimeoutMs }),
          decide: (end) => {
            const decision = decideRestart(
              { mode: this.#config.restart, backoff: this.#config.backoff, maxRestarts: this.#config.maxRestarts },
              this.#history,
              end,
              this.#deps.now(),
              this.#deps.random(),
            );
            this.#history = decision.history;
            return decision;
          },
          changed: (slot, message, level) => this.#slotChanged(slot, message, level),
          now: this.#deps.now,
        },
        candidate,
      );
    });
    return { id, slots };
  }

  #slotChanged(slot: ProcessSlot, message: string, level: "info" | "warn" | "error" = "info"): void {
    this.#deps.processesChanged?.();
    if (message !== "") this.#deps.log.event(level, `[${slot.deps.index}] ${message}`, this.name);
    if (slot.state.kind === "running" && slot.proc !== undefined) this.onProcessReady?.(slot.proc);
    if (slot.state.kind === "fatal" && this.#current?.slots.includes(slot)) {
      // The site gave up: its other processes are stopped too, and the socket released.
      this.#reason = slot.state.reason;
      const gen = this.#current;
      void this.#enqueue(async () => {
        if (this.#current === gen) {
          await this.#stopGeneration(gen);
          this.#current = undefined;
          this.#releaseSocket();
          this.#changed(`fatal: ${this.#reason ?? ""}`, "error");
        }
        return { ok: true, message: "" };
      });
    }
    this.#changed();
  }

  #changed(message?: string, level: "info" | "warn" | "error" = "info"): void {
    const state = this.state;
    if (state !== this.#lastState) {
      this.#deps.log.event(level, `${this.#lastState} → ${state}${message === undefined ? "" : `: ${message}`}`, this.name, {
        event: "state",
        from: this.#lastState,
        to: state,
      });
      this.#lastState = state;
    } else if (message !== undefined) {
      this.#deps.log.event(level, message, this.name);
    }
  }

  #spawn(index: number, generation: number): SpawnOutcome {
    const log = this.#deps.log;
    const config = this.#config;
    const spawned = spawnSiteProcess({
      site: config,
      socket: this.#socket,
      index,
      generation,
      now: this.#deps.now,
      output: (line, stream) => log.output(config.name, index, stream, line),
    });
    if (spawned.ok) this.onProcessStarted?.(spawned.proc);
    return spawned;
  }
}

function list(pids: readonly number[]): string {
  return pids.length === 0 ? "none" : pids.join(",");
}
