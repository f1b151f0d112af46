/**
 * Drives one site with `processes: {min, max, idle}`: watches its socket, measures its load and
 * applies `decideScale` (scale-policy.ts) through the site.
 *
 * ```
 *  watch fires (a connection waits) ──► the site cannot start? ──yes──► answer the waiting (503)
 *        ▲                                      │ no
 *        │ re-armed: at once when idle,         ▼
 *        │ after 100 ms below max, 1 s at max   evaluate: queue length, connections per process
 *        └──────────────────────────────────────┤
 *                                               ▼
 *                  add / stop one / nothing; a timer for the next idle deadline and samples
 * ```
 *
 * Cost: an idle site is one fd in a poll that sleeps in the kernel. A site with processes adds
 * at most 10 wake-ups a second while connections arrive, and, while it runs more than `min`,
 * one sample of who holds connections every `idle / 20` (¼ s to 5 s).
 */
import type { Scaling } from "../config/types.js";
import type { BoundSocket } from "../sockets/bind.js";
import type { ReadableWatch } from "../sockets/readable-watch.js";
import { decideScale, type ScaleDecision, type ScaledProcess } from "./scale-policy.js";

export interface ScalerProcess {
  readonly index: number;
  readonly phase: "starting" | "serving";
  readonly pid: number | undefined;
  /** When it became ready (undefined while starting). */
  readonly readyAt: number | undefined;
}

export interface ScalerHost {
  scaling(): Scaling;
  socket(): BoundSocket | undefined;
  /** Processes of the current generation that are starting or serving. */
  processes(): readonly ScalerProcess[];
  /** Why no process can serve now (each failed to start and waits to retry); else undefined. */
  unavailable(): string | undefined;
  add(count: number, why: string): void;
  stopProcess(index: number, why: string): void;
}

export interface SocketLoad {
  queued(socket: BoundSocket): number | undefined;
  connections(socket: BoundSocket, pids: readonly number[]): Promise<ReadonlyMap<number, number> | undefined>;
  /** Answers the connections waiting now (503 or close); how many. */
  answer(socket: BoundSocket, reason: string): number;
}

export interface ScalerDeps {
  readonly now: () => number;
  readonly setTimer: (run: () => void, ms: number) => () => void;
  readonly watch: ReadableWatch;
  readonly load: SocketLoad;
  readonly log: (message: string) => void;
}

/** Re-arm delays: quick while a process may need adding, slower once at `max`. */
export const REARM_BELOW_MAX_MS = 100;
export const REARM_AT_MAX_MS = 1000;

export class Scaler {
  readonly #host: ScalerHost;
  readonly #deps: ScalerDeps;
  /** index → last time it held a connection (or became ready). */
  readonly #lastActive = new Map<number, number>();
  #lastConnectionAt: number | undefined;
  /** Counts as the last connection until there is one: a fresh site is not idle from the start. */
  readonly #since: number;
  #cancelWatch: (() => void) | undefined;
  #cancelRearm: (() => void) | undefined;
  #cancelCheck: (() => void) | undefined;
  #evaluating = false;
  #again = false;
  /** An evaluation asked for by the socket signalling a waiting connection (it may add). */
  #signalled = false;
  #running = false;

  constructor(host: ScalerHost, deps: ScalerDeps) {
    this.#host = host;
    this.#deps = deps;
    this.#since = deps.now();
  }

  /** When a connection last waited on the socket (status shows it for an idle site). */
  get lastConnectionAt(): number | undefined {
    return this.#lastConnectionAt;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#arm();
    this.changed();
  }

  stop(): void {
    this.#running = false;
    this.#cancelWatch?.();
    this.#cancelRearm?.();
    this.#cancelCheck?.();
    this.#cancelWatch = this.#cancelRearm = this.#cancelCheck = undefined;
  }

  /** The site's processes changed (one became ready, one ended): decide again. */
  changed(): void {
    if (!this.#running) return;
    const reason = this.#host.unavailable();
    if (reason !== undefined) this.#answer(reason);
    this.#decide();
  }

  #arm(): void {
    const socket = this.#host.socket();
    if (!this.#running || socket === undefined || this.#cancelWatch !== undefined) return;
    this.#cancelWatch = this.#deps.watch.once(socket.fd, () => {
      this.#cancelWatch = undefined;
      this.#readable();
    });
  }

  #readable(): void {
    if (!this.#running) return;
    this.#lastConnectionAt = this.#deps.now();
    const reason = this.#host.unavailable();
    if (reason !== undefined) {
      // Watched again at once for the next one; after a pause if none could be accepted
      // (EMFILE…), or the socket, still readable, would spin the loop.
      if (this.#answer(reason) > 0) this.#arm();
      else this.#rearmIn(REARM_BELOW_MAX_MS);
      return;
    }
    this.#signalled = true;
    this.#decide();
    const processes = this.#host.processes();
    if (processes.length === 0) {
      // Nothing accepts yet: the watch would fire again at once. The start under way (or its
      // failure) is reported through changed().
      this.#rearmIn(REARM_BELOW_MAX_MS);
      return;
    }
    this.#rearmIn(processes.length < this.#host.scaling().max ? REARM_BELOW_MAX_MS : REARM_AT_MAX_MS);
  }

  #rearmIn(ms: number): void {
    this.#cancelRearm?.();
    this.#cancelRearm = this.#deps.setTimer(() => {
      this.#cancelRearm = undefined;
      this.#arm();
    }, ms);
  }

  #answer(reason: string): number {
    const socket = this.#host.socket();
    if (socket === undefined) return 0;
    const answered = this.#deps.load.answer(socket, reason);
    if (answered > 0) this.#deps.log(`answered ${answered} waiting connection${answered === 1 ? "" : "s"}: cannot start: ${reason}`);
    return answered;
  }

  #decide(): void {
    this.#evaluate().catch((error: unknown) =>
      this.#deps.log(`scaling: internal error: ${error instanceof Error ? error.message : String(error)}`),
    );
  }

  /** Single-flight: a change during an evaluation runs one more after it. */
  async #evaluate(): Promise<void> {
    if (this.#evaluating) {
      this.#again = true;
      return;
    }
    this.#evaluating = true;
    try {
      do {
        this.#again = false;
        await this.#evaluateOnce();
        // `#again` is set by an evaluate() that arrives during the await above.
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
      } while (this.#again && this.#running);
    } finally {
      this.#evaluating = false;
    }
  }

  async #evaluateOnce(): Promise<void> {
    const socket = this.#host.socket();
    if (!this.#running || socket === undefined) return;
    const scaling = this.#host.scaling();
    const now = (): number => this.#deps.now();
    const listed = this.#host.processes();
    const live = new Set(listed.map((p) => p.index));
    for (const index of this.#lastActive.keys()) if (!live.has(index)) this.#lastActive.delete(index);
    const queued = this.#deps.load.queued(socket);
    const canShrink = listed.length > scaling.min && listed.every((p) => p.phase === "serving");
    // A process not yet ready may already serve: a readiness probe waits in the queue behind a
    // burst like any client. One that holds connections counts as serving, so a burst that
    // arrives during its start still adds processes.
    // Looked at only when the socket signalled (at most every 100 ms): a start's own state
    // changes must not cost the supervisor CPU while the new process boots beside it.
    const stuck = this.#signalled && (queued ?? 0) > 0 && listed.some((p) => p.phase === "starting");
    const pids = listed.flatMap((p) => (p.pid === undefined ? [] : [p.pid]));
    const held = (canShrink || stuck) && pids.length > 0 ? await this.#deps.load.connections(socket, pids) : undefined;
    // A stop() during the await above clears `#running`.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
    if (!this.#running) return;
    const at = now();
    const processes: ScaledProcess[] = listed.map((p) => {
      // Not sampled (nothing could be stopped), or the kernel would not say: count it as busy,
      // so a process is never stopped on a figure nobody read.
      const connections = held === undefined || p.pid === undefined ? 1 : (held.get(p.pid) ?? 0);
      const phase = p.phase === "starting" && held !== undefined && connections > 0 ? "serving" : p.phase;
      const since = this.#lastActive.get(p.index) ?? p.readyAt ?? at;
      const lastActiveAt = connections > 0 ? at : since;
      this.#lastActive.set(p.index, lastActiveAt);
      return { index: p.index, phase, connections, lastActiveAt };
    });
    const signalled = this.#signalled;
    this.#signalled = false;
    const decision = decideScale({
      scaling,
      processes,
      queued,
      lastConnectionAt: this.#lastConnectionAt ?? this.#since,
      now: at,
      signalled,
    });
    this.#act(decision, processes.length > scaling.min, scaling.idleMs, at);
  }

  #act(decision: ScaleDecision, beyondMin: boolean, idleMs: number, now: number): void {
    this.#cancelCheck?.();
    this.#cancelCheck = undefined;
    switch (decision.action) {
      case "add":
        this.#host.add(decision.count, addReason(decision.why));
        return;
      case "stop":
        this.#lastActive.delete(decision.index);
        this.#host.stopProcess(decision.index, `served no connection for ${Math.round(decision.idleMs / 1000)} s`);
        return;
      case "none": {
        // While processes beyond `min` run, sample who holds connections until one is idle long enough.
        const sampleAt = beyondMin ? now + sampleInterval(idleMs) : undefined;
        const next = [decision.recheckAt, sampleAt].filter((t): t is number => t !== undefined);
        if (next.length === 0) return;
        this.#cancelCheck = this.#deps.setTimer(
          () => {
            this.#cancelCheck = undefined;
            this.#decide();
          },
          Math.max(0, Math.min(...next) - now),
        );
        return;
      }
      default:
        throw new Error(`unknown decision ${JSON.stringify(decision satisfies never)}`);
    }
  }
}

export function sampleInterval(idleMs: number): number {
  return Math.min(5000, Math.max(250, Math.round(idleMs / 20)));
}

function addReason(why: "below-min" | "woken" | "queue"): string {
  switch (why) {
    case "below-min":
      return "fewer than min";
    case "woken":
      return "a connection is waiting";
    case "queue":
      return "connections wait while every process is busy";
    default:
      throw new Error(`unknown reason ${String(why satisfies never)}`);
  }
}
