/**
 * One hot reload at a time per site. Changes that arrive while a reload runs are merged into
 * exactly one more reload, run when the first ends: never a stack of reloads, never a lost
 * change (the running reload may already have read the file, or not).
 *
 * ```
 *          push                        push (any number: merged)
 *   idle ────────► running ──────────────────────► running + queued
 *     ▲               │ done                            │ done
 *     └───────────────┘                                 └──► running (the queued paths)
 * ```
 */
export class ReloadQueue {
  #running = false;
  #queued: Set<string> | undefined;
  #closed = false;
  readonly #run: (paths: readonly string[]) => Promise<void>;

  /** `run` must not throw: a failed reload is a value it reports itself. */
  constructor(run: (paths: readonly string[]) => Promise<void>) {
    this.#run = run;
  }

  push(paths: readonly string[]): void {
    if (this.#closed || paths.length === 0) return;
    if (!this.#running) {
      void this.#start(paths);
      return;
    }
    this.#queued ??= new Set();
    for (const file of paths) this.#queued.add(file);
  }

  /** Nothing more starts; a reload already running finishes on its own. */
  close(): void {
    this.#closed = true;
    this.#queued = undefined;
  }

  async #start(paths: readonly string[]): Promise<void> {
    this.#running = true;
    try {
      await this.#run(paths);
    } finally {
      this.#running = false;
      const next = this.#queued;
      this.#queued = undefined;
      if (next !== undefined && !this.#closed) void this.#start([...next]);
    }
  }
}
