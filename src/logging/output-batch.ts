/**
 * Site output is collected per event-loop turn and handed on as one batch per (site, process,
 * stream): a site flooding its output then costs one log call and one write per pipe read
 * (up to 64 KiB of lines) instead of one per line — the per-line cost was what capped log
 * throughput, in syscalls and garbage.
 */

export interface OutputBatch {
  readonly site: string;
  readonly proc: number;
  readonly stream: "out" | "err";
  readonly lines: string[];
}

export class OutputBatcher {
  #pending = new Map<string, OutputBatch>();
  #scheduled = false;
  readonly #flush: (batch: OutputBatch) => void;

  constructor(flush: (batch: OutputBatch) => void) {
    this.#flush = flush;
  }

  push(site: string, proc: number, stream: "out" | "err", line: string): void {
    const key = `${site}\u0000${proc}\u0000${stream}`;
    const batch = this.#pending.get(key);
    if (batch === undefined) this.#pending.set(key, { site, proc, stream, lines: [line] });
    else batch.lines.push(line);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Hands on everything pending now (before an event, so the log keeps its order). */
  flush(): void {
    this.#scheduled = false;
    if (this.#pending.size === 0) return;
    const batches = [...this.#pending.values()];
    this.#pending = new Map();
    for (const batch of batches) this.#flush(batch);
  }
}
