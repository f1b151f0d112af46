/**
 * Batches a burst of changes into one call: `flush` runs `delayMs` after the last change, with
 * every path changed meanwhile. Timers are injected so tests run on virtual time.
 */

import { realClock, type Timers } from "../time/clock.js";

export type { Timers };

export class Debouncer {
  #pending = new Set<string>();
  #timer: unknown;
  readonly #delayMs: number;
  readonly #flush: (paths: string[]) => void;
  readonly #timers: Timers;

  constructor(delayMs: number, flush: (paths: string[]) => void, timers: Timers = realClock) {
    this.#delayMs = delayMs;
    this.#flush = flush;
    this.#timers = timers;
  }

  push(path: string): void {
    this.#pending.add(path);
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      const paths = [...this.#pending];
      this.#pending = new Set();
      this.#flush(paths);
    }, this.#delayMs);
  }

  cancel(): void {
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending.clear();
  }
}
