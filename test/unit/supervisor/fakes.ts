/**
 * Virtual time and fake processes for the supervisor's unit tests: a site, its slots,
 * readiness and stop run in milliseconds without spawning anything.
 */
import { Writable } from "node:stream";
import { createLog, type Log } from "../../../src/logging/logger.js";
import type { ExitReason } from "../../../src/process/spawn.js";
import type { NotifyMessage } from "../../../src/protocol/notify.js";
import type { SupervisorEvent } from "../../../src/supervisor/events.js";
import type { ProcessHandle } from "../../../src/supervisor/process-handle.js";
import type { SpawnOutcome } from "../../../src/supervisor/process-slot.js";
import type { SpawnSiteProcess } from "../../../src/supervisor/spawn-site-process.js";
import type { Clock, ClockTimer } from "../../../src/time/clock.js";

interface PendingTimer extends ClockTimer {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
}

/** Time moves only when a test says so; `advance` runs what falls due, in order. */
export class VirtualClock implements Clock {
  #now = 1_000_000;
  #seq = 0;
  readonly #timers = new Set<PendingTimer>();

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): ClockTimer {
    this.#seq += 1;
    const timer: PendingTimer = { at: this.#now + Math.max(0, ms), seq: this.#seq, callback, unref: () => undefined };
    this.#timers.add(timer);
    return timer;
  }

  clearTimeout(timer: unknown): void {
    this.#timers.delete(timer as PendingTimer);
  }

  get pending(): number {
    return this.#timers.size;
  }

  /** Lets promise chains run to their next wait on the clock (or on a fake process). */
  async settle(): Promise<void> {
    for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Moves time forward by `ms`, running each timer at its own time. */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    await this.settle();
    for (;;) {
      const next = [...this.#timers].filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (next === undefined) break;
      this.#timers.delete(next);
      this.#now = Math.max(this.#now, next.at);
      next.callback();
      await this.settle();
    }
    this.#now = end;
    await this.settle();
  }
}

/** How a fake process answers its stop signal. */
export type StopBehaviour = "exits" | "hangs";

export class FakeProcess implements ProcessHandle {
  readonly pid: number;
  readonly index: number;
  readonly generation: number;
  readonly startedAt: number;
  readonly exited: Promise<ExitReason>;
  exit: ExitReason | undefined;
  loadedFiles: readonly string[] = [];
  lastError: NotifyMessage | undefined;
  stopBehaviour: StopBehaviour = "exits";
  readonly signals: string[] = [];
  groupKilled = false;
  #resolveExit!: (exit: ExitReason) => void;
  readonly #notify = new Set<(message: NotifyMessage) => void>();
  readonly #lines = new Set<(line: string) => void>();
  readonly #clock: Clock;

  constructor(pid: number, index: number, generation: number, clock: Clock) {
    this.pid = pid;
    this.index = index;
    this.generation = generation;
    this.#clock = clock;
    this.startedAt = clock.now();
    this.exited = new Promise((resolve) => (this.#resolveExit = resolve));
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  /** The process says it serves (the notify pipe's `ready`). */
  ready(): void {
    this.send({ type: "ready" });
  }

  send(message: NotifyMessage): void {
    if (message.type === "error") this.lastError = message;
    for (const listener of [...this.#notify]) listener(message);
  }

  line(text: string): void {
    for (const listener of [...this.#lines]) listener(text);
  }

  /** The process ends on its own. */
  crash(exit: ExitReason = { reason: "exit-code", code: 1 }): void {
    if (this.exit !== undefined) return;
    this.exit = exit;
    this.#resolveExit(exit);
  }

  onNotify(listener: (message: NotifyMessage) => void): () => void {
    this.#notify.add(listener);
    return () => this.#notify.delete(listener);
  }

  onLine(listener: (line: string) => void): () => void {
    this.#lines.add(listener);
    return () => this.#lines.delete(listener);
  }

  async stop(signal: NodeJS.Signals, timeoutMs: number): Promise<{ killed: boolean }> {
    this.signals.push(signal);
    if (this.stopBehaviour === "exits") {
      this.crash({ reason: "signal", signal });
      return { killed: false };
    }
    await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, timeoutMs));
    this.signals.push("SIGKILL");
    this.crash({ reason: "signal", signal: "SIGKILL" });
    return { killed: true };
  }

  killGroup(): void {
    this.groupKilled = true;
  }
}

/** A spawn for `SiteDeps.spawn` that hands out fake processes and remembers them. */
export class FakeSpawner {
  readonly spawned: FakeProcess[] = [];
  #pid = 1000;
  readonly #clock: Clock;
  /** What each new process does at once (answer `ready`, crash…); nothing by default. */
  onSpawn: (proc: FakeProcess) => void = () => undefined;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  readonly spawn = (request: SpawnSiteProcess): SpawnOutcome => this.spawnOne(request.index, request.generation);

  spawnOne(index: number, generation: number): SpawnOutcome {
    this.#pid += 1;
    const proc = new FakeProcess(this.#pid, index, generation, this.#clock);
    this.spawned.push(proc);
    // After the slot has started listening, as a real process answers after its spawn.
    queueMicrotask(() => this.onSpawn(proc));
    return { ok: true, proc };
  }

  live(): FakeProcess[] {
    return this.spawned.filter((proc) => proc.alive);
  }

  ofGeneration(generation: number): FakeProcess[] {
    return this.spawned.filter((proc) => proc.generation === generation);
  }
}

/** Collects every event of one type, for assertions on fields. */
export function collect<T extends SupervisorEvent["type"]>(
  on: (type: T, listener: (event: Extract<SupervisorEvent, { type: T }>) => void) => () => void,
  type: T,
): Extract<SupervisorEvent, { type: T }>[] {
  const seen: Extract<SupervisorEvent, { type: T }>[] = [];
  on(type, (event) => seen.push(event));
  return seen;
}

/** A log that writes nowhere (the tests read events, not log text). */
export function silentLog(): Log {
  return createLog({ format: "json", color: false, stream: new Writable({ write: (_chunk, _encoding, done) => done() }) });
}
