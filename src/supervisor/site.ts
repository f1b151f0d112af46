/**
 * One site: its socket, its generations of processes, and the operations on them. Its state
 * (`site-state.ts`, with the diagram) is derived from the slots and the operation under way.
 *
 * Operations run one at a time. Reloads are single-flight: a reload asked for while another is
 * *queued* joins that one; asked for while one is *running*, it queues exactly one more (the
 * running one may already have read the files or config that changed since), which later asks
 * join in turn. `stop` cancels a start's or reload's wait instead of queueing behind it.
 *
 * A generation's slots can grow and shrink while it serves (`addProcess`/`removeProcess`): a
 * new generation starts with `processes` slots.
 *
 * A site with `processes: {min, max, idle}` is driven by its `Scaler` (scaler.ts): its socket is
 * listened on from the start, a generation may have no slot (the site is `idle`), processes are
 * added while connections wait and stopped once idle, and a reload replaces as many as are up.
 */
import type { ResolvedSite } from "../config/types.js";
import { kindOf } from "../kinds/registry.js";
import type { Log } from "../logging/logger.js";
import { resolveAccounts } from "../process/accounts.js";
import { listenWithoutAccepting } from "../native/socket-calls.js";
import { answerWaiting } from "../sockets/answer-waiting.js";
import { bindSocket, type BoundSocket } from "../sockets/bind.js";
import type { ReadableWatch } from "../sockets/readable-watch.js";
import { sleep, type Clock } from "../time/clock.js";
import type { SupervisorEvents } from "./events.js";
import { runBeforeTasks, type BeforeOutcome } from "./before-tasks.js";
import type { ProcessHandle } from "./process-handle.js";
import { ProcessSlot, type SlotSettle, type SpawnOutcome } from "./process-slot.js";
import { decideRestart, EMPTY_HISTORY, type CrashHistory } from "./restart-policy.js";
import { siteSnapshot, type SiteSnapshot } from "./site-snapshot.js";
import { deriveSiteState, type FatalCause, type Operation, type SiteState } from "./site-state.js";
import { Scaler, type ScalerProcess, type SocketLoad } from "./scaler.js";
import { generationSize, socketLoad, waitingAnswer } from "./site-scaling.js";
import type { ProcessMark } from "../host/escapees.js";
import { spawnSiteProcess, type SpawnSiteProcess } from "./spawn-site-process.js";

export type { SiteState, SiteStateName } from "./site-state.js";

export type OpResult = { readonly ok: true; readonly message: string } | { readonly ok: false; readonly message: string };

/** A reload's result, the moment its new generation served; `drained` ends with the old one's stop. */
type Reloaded = OpResult & { readonly drained?: Promise<void> };

/** One queued reload, as answered to those who wait for the old generation's stop and to those who do not. */
interface QueuedReload {
  readonly served: Promise<OpResult>;
  readonly drained: Promise<OpResult>;
}

function resultOf(reloaded: Reloaded): OpResult {
  return reloaded.ok ? { ok: true, message: reloaded.message } : { ok: false, message: reloaded.message };
}

export interface ReloadOptions {
  /**
   * Answer only once the old generation has stopped (the default): after the answer, no request
   * reaches the old code. `false` answers as the new generation serves (hot reload): the old one
   * finishes its requests meanwhile, and the site's next operation need not wait for that.
   */
  readonly untilDrained?: boolean;
}

export interface SiteDeps {
  readonly log: Log;
  readonly clock: Clock;
  readonly random: () => number;
  readonly events: SupervisorEvents;
  /** Spawns one process (tests give fake processes); the real spawn by default. */
  readonly spawn?: (request: SpawnSiteProcess) => SpawnOutcome;
  /** The supervisor's one watch over scaled sites' sockets. */
  readonly watch?: () => ReadableWatch;
  /** The kernel's view of a scaled site's socket (tests give a fake one); sock_diag by default. */
  readonly socketLoad?: (config: () => ResolvedSite) => SocketLoad;
}

/**
 * Backlog of a scaled site's socket, listened on by the supervisor before any process runs:
 * gunicorn's default (a process's own `listen()` sets it again; the kernel caps it at somaxconn).
 */
const BACKLOG = 2048;

interface Generation {
  readonly id: number;
  /** Grows and shrinks at run time (`addProcess`/`removeProcess`). */
  readonly slots: ProcessSlot[];
}

export class Site {
  #config: ResolvedSite;
  #socket: BoundSocket | undefined;
  #current: Generation | undefined;
  #next: Generation | undefined;
  #operation: Operation = { kind: "none" };
  #history: CrashHistory = EMPTY_HISTORY;
  #generationCount = 0;
  #fatal: { cause: FatalCause; reason: string } | undefined;
  #lastState: SiteState = { kind: "stopped" };
  #queue: Promise<unknown> = Promise.resolve();
  #queuedReload: QueuedReload | undefined;
  /** Aborts the wait of a start or reload under way (a stop must not queue behind it). */
  #waitAbort: AbortController | undefined;
  /** The last `before:` failure, for `status`, until a start or reload gets past the tasks. */
  #beforeFailure: string | undefined;
  /** Graceful replacements for `health:` (restarts with reason `unhealthy`). */
  #unhealthyRestarts = 0;
  #scaler: Scaler | undefined;
  /** Processes scaled down or of a replaced generation, still finishing their requests (a stop waits for them). */
  readonly #draining = new Set<Promise<void>>();
  readonly #deps: SiteDeps;

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

  get state(): SiteState {
    const gen = this.#current;
    // A scaled site's generation with no slot is the idle site: socket held, no process.
    const empty = gen !== undefined && gen.slots.length === 0;
    return deriveSiteState({
      operation: this.#operation,
      current: gen === undefined || empty ? undefined : { id: gen.id, slots: gen.slots.map((slot) => slot.state) },
      fatal: this.#fatal,
      idle: empty,
    });
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
      state: this.state.kind,
      config: this.#config,
      generation: this.#current?.id ?? 0,
      slots: this.#current?.slots ?? [],
      reason: this.#fatal?.reason ?? this.#beforeFailure,
      extraRestarts: this.#unhealthyRestarts,
      scaling:
        this.#config.scaling === undefined ? undefined : { ...this.#config.scaling, lastConnectionAt: this.#scaler?.lastConnectionAt },
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
      const started = this.#now();
      await this.#stop(false);
      const result = await this.#start();
      return result.ok
        ? { ok: true, message: `${this.name} restarted in ${this.#now() - started} ms: pids ${list(before)} → ${list(this.pids())}` }
        : result;
    });
  }

  /**
   * Graceful: the new generation first, the old one stopped only once the new one serves. The
   * site's queue moves on as the new generation serves; the old one drains meanwhile, and a
   * stop or restart waits for it.
   */
  reload(reason?: string, options: ReloadOptions = {}): Promise<OpResult> {
    // Joins a queued reload only: a running one may have read the old files (see the top).
    const queued = this.#queuedReload ?? this.#queueReload(reason);
    return options.untilDrained === false ? queued.served : queued.drained;
  }

  #queueReload(reason: string | undefined): QueuedReload {
    const outcome: Promise<Reloaded> = this.#enqueue(() => {
      this.#queuedReload = undefined;
      return this.#reload(reason);
    });
    const queued = {
      served: outcome.then(resultOf),
      drained: outcome.then(async (reloaded) => {
        await reloaded.drained;
        return resultOf(reloaded);
      }),
    };
    this.#queuedReload = queued;
    return queued;
  }

  /**
   * A changed site from `reload-config`: reload in place, or restart when its socket changed;
   * neither when only what its processes never see changed (`hosts`).
   */
  update(config: ResolvedSite, socketChanged: boolean, processesChanged = true): Promise<OpResult> {
    return this.#enqueue(async () => {
      const wasUp = this.#current !== undefined;
      if (!socketChanged && !processesChanged) {
        this.#config = config;
        return { ok: true, message: `${this.name} updated (hosts only: its processes keep running)` };
      }
      if (socketChanged) {
        await this.#stop(true);
        this.#config = config;
        return wasUp || config.autostart ? this.#start() : { ok: true, message: `${this.name} updated (not started: autostart false)` };
      }
      this.#config = config;
      if (!wasUp) return { ok: true, message: `${this.name} updated` };
      return this.#reloadDrained("its configuration changed");
    });
  }

  /** One more process in the serving generation, started at once (on-demand scaling). */
  addProcess(): Promise<OpResult> {
    return this.#enqueue(async () => {
      const gen = this.#current;
      if (gen === undefined || this.#operation.kind !== "none") return { ok: false, message: `${this.name} is ${this.state.kind}` };
      const slot = this.#addSlot(gen, false);
      slot.start();
      const settle = await slot.settled;
      return settle.ok
        ? { ok: true, message: `${slot.label} started: pid ${slot.proc?.pid ?? "none"}` }
        : { ok: false, message: `${slot.label} did not start: ${settle.reason}` };
    });
  }

  /** Stops and removes the serving generation's highest-numbered process (never the last). */
  removeProcess(): Promise<OpResult> {
    return this.#enqueue(async () => {
      const gen = this.#current;
      const slot = gen?.slots.at(-1);
      if (gen === undefined || slot === undefined || gen.slots.length < 2 || this.#operation.kind !== "none") {
        return { ok: false, message: `${this.name} has no process to remove (${this.state.kind})` };
      }
      gen.slots.splice(gen.slots.indexOf(slot), 1);
      await slot.stop();
      this.#changed();
      return { ok: true, message: `${slot.label} stopped and removed` };
    });
  }

  /** The generation serving while the site is `running` (what `health:` probes); else undefined. */
  servingGeneration(): number | undefined {
    return this.state.kind === "running" ? this.#current?.id : undefined;
  }

  /**
   * `health:` gave up on the serving processes: a graceful replacement (new generation first,
   * no `before:` tasks — the code did not change), counted as a restart with reason
   * `unhealthy` under the site's backoff and crash-loop limits (whatever its `restart:` mode:
   * the processes did not exit, health replaces them).
   */
  replaceUnhealthy(reason: string): Promise<OpResult> {
    return this.#enqueue(async () => {
      const gen = this.#current;
      const first = gen?.slots[0];
      if (gen === undefined || first === undefined || this.state.kind !== "running") {
        return { ok: false, message: `${this.name} is ${this.state.kind}: nothing to replace` };
      }
      const now = this.#now();
      const oldest = Math.min(...gen.slots.map((slot) => slot.proc?.startedAt ?? now));
      const decision = decideRestart(
        { mode: "always", backoff: this.#config.backoff, maxRestarts: this.#config.maxRestarts },
        this.#history,
        { clean: false, uptimeMs: now - oldest },
        now,
        this.#deps.random(),
      );
      this.#history = decision.history;
      this.#unhealthyRestarts += 1;
      if (decision.action === "give-up") {
        this.#fatal = { cause: "crash-loop", reason: `${reason}; ${decision.reason}` };
        await this.#stopGeneration(gen);
        this.#current = undefined;
        this.#releaseSocket();
        this.#changed(`fatal: ${this.#fatal.reason}`, "error");
        return { ok: false, message: `${this.name}: ${this.#fatal.reason}` };
      }
      const delayMs = decision.action === "restart" ? decision.delayMs : 0;
      this.#deps.events.emit({
        type: "restart-scheduled",
        site: this.name,
        index: first.deps.index,
        generation: gen.id,
        delayMs,
        reason: "unhealthy",
      });
      this.#deps.log.event("warn", `${reason}; replacing its processes${delayMs > 0 ? ` in ${delayMs} ms` : ""}`, this.name, {
        event: "unhealthy",
      });
      if (delayMs > 0) await sleep(this.#deps.clock, delayMs);
      if (this.#current !== gen) return { ok: false, message: `${this.name} changed meanwhile; not replaced` };
      return this.#reloadDrained("unhealthy", false);
    });
  }

  /** Stops everything and releases the socket for good (site removed, supervisor exiting). */
  remove(): Promise<OpResult> {
    this.#waitAbort?.abort();
    return this.#enqueue(() => this.#stop(true));
  }

  #enqueue<T extends OpResult>(operation: () => Promise<T>): Promise<T | OpResult> {
    const run = this.#queue.then(operation, operation).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      this.#deps.log.event("error", `internal error: ${message}`, this.name);
      return { ok: false, message: `${this.name}: ${message}` } satisfies OpResult;
    });
    this.#queue = run;
    return run;
  }

  #now(): number {
    return this.#deps.clock.now();
  }

  async #start(): Promise<OpResult> {
    const state = this.state;
    if (state.kind === "idle") return this.#warm();
    if (this.#current !== undefined && state.kind !== "exited" && state.kind !== "fatal") {
      return { ok: true, message: `${this.name} is already ${state.kind}` };
    }
    if (this.#current !== undefined) await this.#stopGeneration(this.#current);
    this.#current = undefined;
    this.#fatal = undefined;
    this.#history = EMPTY_HISTORY;
    const started = this.#now();
    const problem = await this.#prepare();
    if (problem !== undefined) {
      this.#fatal = { cause: "preparation", reason: problem };
      this.#releaseSocket();
      this.#changed(`cannot start: ${problem}`, "error");
      this.#deps.events.emit({ type: "start-finished", site: this.name, ok: false, ms: this.#now() - started, error: problem });
      return { ok: false, message: `${this.name}: ${problem}` };
    }
    const before = await this.#runBefore();
    if (!before.ok) {
      this.#fatal = { cause: "preparation", reason: before.message };
      this.#releaseSocket();
      this.#changed(`cannot start: ${before.message}`, "error");
      this.#deps.events.emit({ type: "start-finished", site: this.name, ok: false, ms: this.#now() - started, error: before.message });
      return { ok: false, message: `${this.name}: ${before.message}` };
    }
    const gen = this.#newGeneration(false, startSize(this.#config));
    this.#current = gen;
    this.#syncScaler();
    if (gen.slots.length === 0) {
      const where = this.#socket?.display ?? "its socket";
      this.#changed(`idle on ${where}: starts on its first connection`);
      this.#deps.events.emit({ type: "start-finished", site: this.name, ok: true, ms: this.#now() - started, error: undefined });
      return { ok: true, message: `${this.name} is idle on ${where}: it starts on its first connection` };
    }
    this.#changed("starting");
    for (const slot of gen.slots) slot.start();
    // A process in backoff settles only once it serves or gives up: a stop asked for meanwhile
    // cancels this wait rather than queue behind it.
    const settles = await this.#settled(gen);
    const failed = settles.find((s) => !s.ok);
    const ms = this.#now() - started;
    if (failed !== undefined) {
      this.#deps.events.emit({ type: "start-finished", site: this.name, ok: false, ms, error: failed.reason });
      return { ok: false, message: `${this.name} did not start: ${failed.reason}` };
    }
    this.#deps.events.emit({ type: "start-finished", site: this.name, ok: true, ms, error: undefined });
    return { ok: true, message: `${this.name} started in ${ms} ms: pids ${list(this.pids())}` };
  }

  /**
   * `beforeTasks: false` for a replacement of the same code (`health:`): `before:` tasks belong
   * to a new version, not to a hung process.
   */
  async #reload(reason: string | undefined, beforeTasks = true): Promise<Reloaded> {
    const old = this.#current;
    const state = this.state;
    if (old === undefined || state.kind === "exited" || state.kind === "fatal") return this.#start();
    if (old.slots.length === 0) {
      // Idle: nothing to replace. Still scaled, the next start uses the new code (and a raised
      // `min` starts its processes now); a fixed count now, it starts as any site.
      if (this.#config.scaling === undefined) {
        this.#current = undefined;
        return this.#start();
      }
      this.#syncScaler();
      return { ok: true, message: `${this.name} is idle: its next start uses the new code and configuration` };
    }
    const started = this.#now();
    const before = this.pids();
    const next = this.#newGeneration(true, generationSize(this.#config, old.slots.length));
    this.#operation = { kind: "reloading", next: next.id, reason };
    this.#deps.events.emit({ type: "reload-started", site: this.name, generation: next.id, previous: old.id, reason });
    this.#changed(`reloading${reason === undefined ? "" : ` (${reason})`}: starting generation ${next.id}`);
    const tasks = beforeTasks ? await this.#runBefore() : ({ ok: true, ms: 0 } as const);
    if (!tasks.ok) {
      this.#operation = { kind: "none" };
      const message = `${this.name} reload failed, old generation keeps serving (pids ${list(before)}): ${tasks.message}`;
      this.#changed(message, "error");
      this.#deps.events.emit({
        type: "reload-finished",
        site: this.name,
        generation: next.id,
        ok: false,
        ms: this.#now() - started,
        reason,
        error: tasks.message,
      });
      return { ok: false, message };
    }
    this.#next = next;
    for (const slot of next.slots) slot.start();
    const settles = await this.#settled(next);
    this.#next = undefined;
    const failed = settles.find((s) => !s.ok);
    if (failed !== undefined) {
      await this.#stopGeneration(next);
      this.#operation = { kind: "none" };
      this.#syncScaler();
      const message = `${this.name} reload failed, old generation keeps serving (pids ${list(before)}): ${failed.reason}`;
      this.#changed(message, "error");
      const ms = this.#now() - started;
      this.#deps.events.emit({
        type: "reload-finished",
        site: this.name,
        generation: next.id,
        ok: false,
        ms,
        reason,
        error: failed.reason,
      });
      return { ok: false, message };
    }
    for (const slot of next.slots) slot.promote();
    this.#current = next;
    this.#operation = { kind: "none" };
    this.#syncScaler();
    // Timed to the moment the new generation served (its last process ready), not to the end
    // of the old generation's drain.
    const ms = this.#now() - started;
    this.#deps.events.emit({ type: "reload-finished", site: this.name, generation: next.id, ok: true, ms, reason, error: undefined });
    this.#changed(`generation ${next.id} serving; stopping generation ${old.id}`);
    const drained = this.#drain(this.#stopGeneration(old));
    return { ok: true, message: `${this.name} reloaded in ${ms} ms: pids ${list(before)} → ${list(this.pids())}`, drained };
  }

  /** A reload within an operation that ends only once the old generation has stopped. */
  async #reloadDrained(reason: string, beforeTasks = true): Promise<OpResult> {
    const reloaded = await this.#reload(reason, beforeTasks);
    await reloaded.drained;
    return resultOf(reloaded);
  }

  /** The site's `before:` tasks; a stop asked for meanwhile kills the one under way. */
  async #runBefore(): Promise<BeforeOutcome> {
    if (this.#config.before.length === 0) return { ok: true, ms: 0 };
    const abort = new AbortController();
    this.#waitAbort = abort;
    try {
      const outcome = await runBeforeTasks(this.#config, { log: this.#deps.log, clock: this.#deps.clock, signal: abort.signal });
      this.#beforeFailure = outcome.ok ? undefined : outcome.message;
      return outcome;
    } finally {
      if (this.#waitAbort === abort) this.#waitAbort = undefined;
    }
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
    this.#scaler?.stop();
    this.#scaler = undefined;
    const gen = this.#current;
    if (gen === undefined) {
      if (releaseSocket) this.#releaseSocket();
      return { ok: true, message: `${this.name} is already stopped` };
    }
    const started = this.#now();
    const before = this.pids();
    this.#operation = { kind: "stopping" };
    this.#changed("stopping");
    await this.#stopGeneration(gen);
    await Promise.all(this.#draining);
    this.#current = undefined;
    this.#operation = { kind: "none" };
    this.#fatal = undefined;
    if (releaseSocket) this.#releaseSocket();
    const ms = this.#now() - started;
    this.#changed(`stopped in ${ms} ms`);
    return { ok: true, message: `${this.name} stopped in ${ms} ms (pids ${list(before)})` };
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
    if (config.scaling !== undefined && this.#socket !== undefined) {
      // Connections must queue before any process runs; the supervisor's loop never accepts.
      const listened = listenWithoutAccepting(this.#socket.fd, BACKLOG);
      if (!listened.ok) return `cannot listen on ${this.#socket.display} for processes: {min, max, idle}: ${listened.reason}`;
    }
    const check = await kindOf(config).preflight();
    return check.ok ? undefined : check.message;
  }

  #releaseSocket(): void {
    this.#socket?.close();
    this.#socket = undefined;
  }

  #newGeneration(candidate: boolean, count = this.#config.processes): Generation {
    this.#generationCount += 1;
    const gen: Generation = { id: this.#generationCount, slots: [] };
    for (let i = 0; i < count; i++) this.#addSlot(gen, candidate);
    return gen;
  }

  /** A new slot in `gen` at the lowest free process number (not started). */
  #addSlot(gen: Generation, candidate: boolean): ProcessSlot {
    const taken = new Set(gen.slots.map((slot) => slot.deps.index));
    let index = 1;
    while (taken.has(index)) index += 1;
    const id = gen.id;
    const slot = new ProcessSlot(
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
            this.#now(),
            this.#deps.random(),
          );
          this.#history = decision.history;
          return decision;
        },
        changed: (slot, message, level, fields) => this.#slotChanged(slot, message, level, fields),
        emit: (event) => this.#deps.events.emit(event),
        clock: this.#deps.clock,
      },
      candidate,
    );
    gen.slots.push(slot);
    return slot;
  }

  #slotChanged(slot: ProcessSlot, message: string, level: "info" | "warn" | "error" = "info", fields?: Record<string, unknown>): void {
    this.#deps.events.emit({ type: "processes-changed", site: this.name });
    if (message !== "") this.#deps.log.event(level, `[${slot.deps.index}] ${message}`, this.name, fields);
    const current = this.#current;
    if (this.#scaler !== undefined && current?.slots.includes(slot) === true && slot.state.kind === "exited") {
      // A scaled site's process that ended for good leaves its place: the next connection that
      // finds no process starts a new one.
      current.slots.splice(current.slots.indexOf(slot), 1);
    }
    if (slot.state.kind === "fatal" && this.#current?.slots.includes(slot)) {
      // The site gave up: its other processes are stopped too, and the socket released.
      const fatal = { cause: "crash-loop" as const, reason: slot.state.reason };
      this.#fatal = fatal;
      const gen = this.#current;
      void this.#enqueue(async () => {
        if (this.#current === gen) {
          this.#scaler?.stop();
          this.#scaler = undefined;
          await this.#stopGeneration(gen);
          this.#current = undefined;
          // Connections that woke a scaled site hear why before its socket goes.
          if (this.#socket !== undefined && this.#config.scaling !== undefined) {
            answerWaiting(this.#socket, waitingAnswer(this.#config, fatal.reason));
          }
          this.#releaseSocket();
          this.#changed(`fatal: ${fatal.reason}`, "error");
        }
        return { ok: true, message: "" };
      });
    }
    this.#scaler?.changed();
    this.#changed();
  }

  /** `start NAME` on an idle site: `max(min, 1)` processes, waited for like any start. */
  async #warm(): Promise<OpResult> {
    const gen = this.#current;
    const scaling = this.#config.scaling;
    if (gen === undefined || scaling === undefined) return { ok: true, message: `${this.name} is already ${this.state.kind}` };
    const started = this.#now();
    const slots = this.#grow(gen, Math.max(scaling.min, 1), "started by hand");
    const settles = await Promise.all(slots.map((slot) => slot.settled));
    const failed = settles.find((s) => !s.ok);
    if (failed !== undefined) return { ok: false, message: `${this.name} did not start: ${failed.reason}` };
    return { ok: true, message: `${this.name} started in ${this.#now() - started} ms: pids ${list(this.pids())}` };
  }

  /** Adds up to `count` processes to the serving generation, within `max`, started at once. */
  #grow(gen: Generation, count: number, why: string): ProcessSlot[] {
    const room = (this.#config.scaling?.max ?? gen.slots.length) - gen.slots.length;
    const slots = Array.from({ length: Math.max(0, Math.min(count, room)) }, () => this.#addSlot(gen, false));
    if (slots.length === 0) return [];
    this.#changed(`adding ${slots.length} process${slots.length === 1 ? "" : "es"} (${why})`);
    for (const slot of slots) slot.start();
    return slots;
  }

  /** Starts or stops the scaler to match the configuration (after a start, reload or update). */
  #syncScaler(): void {
    if (this.#config.scaling === undefined || this.#current === undefined || this.#socket === undefined) {
      this.#scaler?.stop();
      this.#scaler = undefined;
      return;
    }
    if (this.#scaler !== undefined) {
      this.#scaler.changed();
      return;
    }
    const watch = this.#deps.watch?.();
    // A site that was a fixed count until this reload: its socket starts queueing here too.
    if (watch === undefined || !listenWithoutAccepting(this.#socket.fd, BACKLOG).ok) return;
    const clock = this.#deps.clock;
    this.#scaler = new Scaler(
      {
        scaling: () => this.#config.scaling ?? { min: 0, max: 1, idleMs: 0 },
        socket: () => this.#socket,
        processes: () => this.#scaledProcesses(),
        unavailable: () => this.#unavailable(),
        add: (count, why) => {
          // Run in the queue's turn (a throw there becomes its internal error, as for any operation).
          void this.#enqueue(() => {
            const gen = this.#current;
            if (gen !== undefined && this.#operation.kind === "none" && this.#scaler !== undefined) this.#grow(gen, count, why);
            return Promise.resolve({ ok: true, message: "" });
          });
        },
        stopProcess: (index, why) => {
          void this.#enqueue(() => Promise.resolve(this.#shrink(index, why)));
        },
      },
      {
        now: () => clock.now(),
        setTimer: (run, ms) => {
          const timer = clock.setTimeout(run, ms);
          timer.unref();
          return () => clock.clearTimeout(timer);
        },
        watch,
        load: (this.#deps.socketLoad ?? socketLoad)(() => this.#config),
        log: (message) => this.#deps.log.event("warn", message, this.name),
      },
    );
    this.#scaler.start();
  }

  #scaledProcesses(): ScalerProcess[] {
    return (this.#current?.slots ?? []).flatMap((slot): ScalerProcess[] => {
      const state = slot.state;
      switch (state.kind) {
        case "running":
          return [{ index: slot.deps.index, phase: "serving", pid: state.proc.pid, readyAt: state.readyAt }];
        case "idle":
        case "starting":
        case "backoff":
          return [{ index: slot.deps.index, phase: "starting", pid: slot.proc?.pid, readyAt: undefined }];
        case "stopping":
        case "stopped":
        case "exited":
        case "failed":
        case "fatal":
          return [];
        default:
          throw new Error(`unknown slot state ${JSON.stringify(state satisfies never)}`);
      }
    });
  }

  /** Why no process of the site can take a connection now, when each failed and waits to retry. */
  #unavailable(): string | undefined {
    const slots = this.#current?.slots ?? [];
    let reason: string | undefined;
    for (const slot of slots) {
      const state = slot.state;
      if (state.kind === "starting" || state.kind === "running" || state.kind === "idle") return undefined;
      if (state.kind === "backoff" || state.kind === "exited") reason ??= state.lastExit;
      if (state.kind === "fatal" || state.kind === "failed") reason ??= state.reason;
    }
    return reason;
  }

  /** A scaled-down process leaves the generation at once and finishes its requests meanwhile. */
  #shrink(index: number, why: string): OpResult {
    const gen = this.#current;
    const min = this.#config.scaling?.min ?? gen?.slots.length ?? 0;
    const slot = gen?.slots.find((s) => s.deps.index === index);
    if (gen === undefined || slot === undefined || this.#operation.kind !== "none" || gen.slots.length <= min) {
      return { ok: true, message: "" };
    }
    gen.slots.splice(gen.slots.indexOf(slot), 1);
    const pid = slot.proc?.pid;
    this.#changed(`stopping process ${index}${pid === undefined ? "" : ` (pid ${pid})`}: ${why}`);
    void this.#drain(slot.stop());
    this.#scaler?.changed();
    return { ok: true, message: "" };
  }

  /** Processes that left the site and finish their requests meanwhile; a stop waits for them. */
  #drain(stop: Promise<void>): Promise<void> {
    // Never rejects: nobody may be waiting for it (a hot reload's answer does not).
    const stopping: Promise<void> = stop
      .catch((error: unknown) => {
        this.#deps.log.event(
          "error",
          `internal error while stopping: ${error instanceof Error ? error.message : String(error)}`,
          this.name,
        );
      })
      .finally(() => {
        this.#draining.delete(stopping);
        this.#deps.events.emit({ type: "processes-changed", site: this.name });
      });
    this.#draining.add(stopping);
    return stopping;
  }

  #changed(message?: string, level: "info" | "warn" | "error" = "info"): void {
    const state = this.state;
    const from = this.#lastState;
    if (state.kind !== from.kind) {
      this.#lastState = state;
      this.#deps.log.event(level, `${from.kind} → ${state.kind}${message === undefined ? "" : `: ${message}`}`, this.name, {
        event: "state",
        from: from.kind,
        to: state.kind,
      });
      this.#deps.events.emit({ type: "state", site: this.name, from, to: state, at: this.#now() });
    } else if (message !== undefined) {
      this.#deps.log.event(level, message, this.name);
    }
  }

  #spawn(index: number, generation: number): SpawnOutcome {
    const log = this.#deps.log;
    const config = this.#config;
    return (this.#deps.spawn ?? spawnSiteProcess)({
      site: config,
      socket: this.#socket,
      index,
      generation,
      clock: this.#deps.clock,
      output: (lines, stream) => log.output(config.name, index, stream, lines),
    });
  }
}

function list(pids: readonly number[]): string {
  return pids.length === 0 ? "none" : pids.join(",");
}

/**
 * The processes a start of the site spawns first, as generation `generation`: a scaled site its
 * minimum (none: idle on its socket), any other its `processes`.
 */
export function startMarks(config: ResolvedSite, generation: number): ProcessMark[] {
  return Array.from({ length: startSize(config) }, (_, i) => ({ site: config.name, index: i + 1, generation }));
}

/** Processes a start begins with: a scaled site its minimum (0: idle on its socket). */
function startSize(config: ResolvedSite): number {
  return config.scaling?.min ?? config.processes;
}
