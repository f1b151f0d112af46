/**
 * The last lines of each site, kept in memory for `logs NAME -n N`, and live followers for
 * `logs NAME -f`. A bounded window per site, so a site that floods its output costs the
 * supervisor a bounded amount of memory.
 *
 * Lines are kept as the chunks they arrived in (one pipe read each, still bytes), not one object
 * per line: a flood then allocates nothing per line here; `last()` decodes and builds line
 * objects only when asked, followers get text only when there are followers.
 */
import { OutputLines } from "../process/line-reader.js";

export const RECENT_LINES = 1000;
/** Past this many bytes the oldest chunks go even with fewer lines kept: a site writing huge lines stays bounded. */
export const RECENT_BYTES = 1024 * 1024;

export interface RecentLine {
  readonly time: number;
  readonly proc: number;
  readonly stream: "out" | "err" | "tsgi";
  readonly line: string;
}

interface Batch {
  readonly time: number;
  readonly proc: number;
  readonly stream: RecentLine["stream"];
  readonly chunk: OutputLines;
}

/** Batches whose lines add up to at least the window, the oldest dropped once not needed. */
class Window {
  readonly #batches: Batch[] = [];
  #lines = 0;
  #bytes = 0;
  push(batch: Batch): void {
    this.#batches.push(batch);
    this.#lines += batch.chunk.count;
    this.#bytes += batch.chunk.byteLength;
    for (;;) {
      const first = this.#batches[0];
      if (first === undefined || first === batch) break;
      const enoughWithout = this.#lines - first.chunk.count >= RECENT_LINES;
      if (!enoughWithout && this.#bytes <= RECENT_BYTES) break;
      this.#batches.shift();
      this.#lines -= first.chunk.count;
      this.#bytes -= first.chunk.byteLength;
    }
  }
  last(n: number): RecentLine[] {
    const count = Math.min(n, RECENT_LINES, this.#lines);
    const out: RecentLine[] = [];
    let skip = this.#lines - count;
    for (const batch of this.#batches) {
      const count = batch.chunk.count;
      if (skip >= count) {
        skip -= count;
        continue;
      }
      const lines = batch.chunk.lines();
      for (let i = skip; i < lines.length; i++) {
        out.push({ time: batch.time, proc: batch.proc, stream: batch.stream, line: lines[i] as string });
      }
      skip = 0;
    }
    return out;
  }
}

export class RecentLines {
  readonly #windows = new Map<string, Window>();
  readonly #followers = new Map<string, Set<(line: RecentLine) => void>>();

  add(site: string, line: RecentLine): void {
    this.#push(site, { time: line.time, proc: line.proc, stream: line.stream, chunk: OutputLines.ofText(line.line) });
  }

  /** A chunk of one process's lines (one pipe read). */
  addLines(site: string, proc: number, stream: "out" | "err", chunk: OutputLines, time: number): void {
    this.#push(site, { time, proc, stream, chunk });
  }

  last(site: string, n: number): RecentLine[] {
    return this.#windows.get(site)?.last(n) ?? [];
  }

  follow(site: string, listener: (line: RecentLine) => void): () => void {
    let set = this.#followers.get(site);
    if (set === undefined) {
      set = new Set();
      this.#followers.set(site, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  #push(site: string, batch: Batch): void {
    let window = this.#windows.get(site);
    if (window === undefined) {
      window = new Window();
      this.#windows.set(site, window);
    }
    window.push(batch);
    const followers = this.#followers.get(site);
    if (followers === undefined || followers.size === 0) return;
    for (const line of batch.chunk.lines()) {
      const item: RecentLine = { time: batch.time, proc: batch.proc, stream: batch.stream, line };
      for (const follower of followers) follower(item);
    }
  }
}
