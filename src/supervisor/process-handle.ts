/**
 * One running process of a site: its output pumped to the log, its notify messages and lines
 * offered to whoever waits on them (readiness, hot reload), and a graceful stop of its group.
 */
import { parseNotifyLine, type NotifyMessage } from "../protocol/notify.js";
import { killTracked, stopTracked } from "../host/stop-tracked.js";
import { limitKillNote } from "../host/limits.js";
import type { ProcessTracker } from "../host/tracking.js";
import { killLeftovers, stopGroup } from "../process/kill.js";
import type { OutputLines } from "../process/line-reader.js";
import type { ExitReason, SpawnedProcess } from "../process/spawn.js";
import type { Clock } from "../time/clock.js";

export interface ProcessHandleOptions {
  readonly site: string;
  /** 1-based process number within the site (`alpha.1`). */
  readonly index: number;
  readonly generation: number;
  readonly clock: Clock;
  /** A pipe read's lines; a promise back pauses that pipe until it settles (the log lags). */
  readonly output: (lines: OutputLines, stream: "out" | "err") => void | Promise<void>;
  /** What it starts outside its group (`host/tracking.ts`); the group alone when absent. */
  readonly tracker?: ProcessTracker;
  /** `limits.memory`, to say so when the kernel enforced it. */
  readonly memoryLimitBytes?: number | undefined;
}

type Listener<T> = (value: T) => void;

/** What the slots, readiness and hot reload see of a process (tests give a fake one). */
export interface ProcessHandle {
  readonly pid: number;
  readonly index: number;
  readonly generation: number;
  readonly startedAt: number;
  /** Settles once the process has exited and all its output has been read. */
  readonly exited: Promise<ExitReason>;
  readonly exit: ExitReason | undefined;
  /** Files the process reported loading (hot reload watches them). */
  readonly loadedFiles: readonly string[];
  readonly lastError: NotifyMessage | undefined;
  onNotify(listener: Listener<NotifyMessage>): () => void;
  onLine(listener: Listener<string>): () => void;
  stop(signal: NodeJS.Signals, timeoutMs: number): Promise<{ killed: boolean }>;
  /**
   * SIGKILL to the whole group now, whatever stop is under way: after an unplanned exit (nothing
   * the process started may live on holding the socket) and for a forced stop (a second SIGINT).
   */
  killGroup(): void;
  /** Why it exited, where tsgi knows better than the exit status (its memory limit). */
  exitNote?(): string | undefined;
}

export class ChildProcessHandle implements ProcessHandle {
  readonly pid: number;
  readonly index: number;
  readonly generation: number;
  readonly startedAt: number;
  /** Settles once the process has exited and all its output has been read. */
  readonly exited: Promise<ExitReason>;
  #exit: ExitReason | undefined;
  #stopping: Promise<{ killed: boolean }> | undefined;
  readonly #clock: Clock;
  readonly #notifyListeners = new Set<Listener<NotifyMessage>>();
  readonly #lineListeners = new Set<Listener<string>>();
  readonly #tracker: ProcessTracker | undefined;
  readonly #memoryLimitBytes: number | undefined;
  /** Files the process reported loading (hot reload watches them). */
  loadedFiles: readonly string[] = [];
  lastError: NotifyMessage | undefined;

  constructor(spawned: SpawnedProcess, options: ProcessHandleOptions) {
    this.pid = spawned.pid;
    this.index = options.index;
    this.generation = options.generation;
    this.#clock = options.clock;
    this.startedAt = options.clock.now();
    this.#tracker = options.tracker;
    this.#memoryLimitBytes = options.memoryLimitBytes;
    const pumps = [
      spawned.forEachLines("stdout", (lines) => this.#lines(lines, "out", options)),
      spawned.forEachLines("stderr", (lines) => this.#lines(lines, "err", options)),
      spawned.forEachLines("notify", (lines) => {
        for (const line of lines.lines()) this.#notify(line);
      }),
    ];
    this.exited = spawned.exited.then(async (exit) => {
      // Output written just before the exit is still in the pipes; read it before reporting.
      // A grandchild that inherited the pipes can hold them open: wait a little, not forever.
      let timer: unknown;
      await Promise.race([Promise.all(pumps), new Promise((resolve) => (timer = options.clock.setTimeout(() => resolve(undefined), 500)))]);
      options.clock.clearTimeout(timer);
      this.#exit = exit;
      return exit;
    });
  }

  get exit(): ExitReason | undefined {
    return this.#exit;
  }

  onNotify(listener: Listener<NotifyMessage>): () => void {
    this.#notifyListeners.add(listener);
    return () => this.#notifyListeners.delete(listener);
  }

  onLine(listener: Listener<string>): () => void {
    this.#lineListeners.add(listener);
    return () => this.#lineListeners.delete(listener);
  }

  stop(signal: NodeJS.Signals, timeoutMs: number): Promise<{ killed: boolean }> {
    if (this.pid === 0) return Promise.resolve({ killed: false });
    const group = (): Promise<{ killed: boolean }> =>
      stopGroup(this.pid, { signal, timeoutMs, leaderExited: this.exited, clock: this.#clock });
    const tracker = this.#tracker;
    this.#stopping ??=
      tracker === undefined ? group() : stopTracked({ leader: this.pid, tracker, signal, timeoutMs, stopGroup: group, clock: this.#clock });
    return this.#stopping;
  }

  exitNote(): string | undefined {
    return limitKillNote(this.#tracker?.oomKills() ?? 0, this.#memoryLimitBytes);
  }

  killGroup(): void {
    if (this.pid === 0) return;
    killLeftovers(this.pid);
    if (this.#tracker !== undefined) killTracked(this.pid, this.#tracker);
  }

  #lines(lines: OutputLines, stream: "out" | "err", options: ProcessHandleOptions): void | Promise<void> {
    const wait = options.output(lines, stream);
    // Decoded only while someone matches lines (readiness): the log path itself keeps bytes.
    if (this.#lineListeners.size > 0) for (const line of lines.lines()) for (const listener of this.#lineListeners) listener(line);
    return wait;
  }

  #notify(line: string): void {
    const message = parseNotifyLine(line);
    if (message === undefined) return;
    if (message.type === "loaded") this.loadedFiles = message.files;
    if (message.type === "error") this.lastError = message;
    for (const listener of this.#notifyListeners) listener(message);
  }
}
