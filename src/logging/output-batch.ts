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

interface Pending {
  readonly site: string;
  readonly proc: number;
  readonly stream: "out" | "err";
  /** The pipe reads of this turn, as handed in (never mutated: others keep them too). */
  readonly parts: string[][];
}

export class OutputBatcher {
  #pending = new Map<string, Pending>();
  #scheduled = false;
  readonly #flush: (batch: OutputBatch) => void;

  constructor(flush: (batch: OutputBatch) => void) {
    this.#flush = flush;
  }

  push(site: string, proc: number, stream: "out" | "err", lines: string[]): void {
    const key = `${site}\u0000${proc}\u0000${stream}`;
    const batch = this.#pending.get(key);
    if (batch === undefined) this.#pending.set(key, { site, proc, stream, parts: [lines] });
    else batch.parts.push(lines);
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
    for (const { site, proc, stream, parts } of batches) {
      this.#flush({ site, proc, stream, lines: parts.length === 1 ? (parts[0] as string[]) : parts.flat() });
    }
  }
}
