/**
 * The last lines of each site, kept in memory for `logs NAME -n N`, and live followers for
 * `logs NAME -f`. A fixed-size ring per site, so a site that floods its output costs the
 * supervisor a bounded amount of memory.
 */

export const RECENT_LINES = 1000;

export interface RecentLine {
  readonly time: number;
  readonly proc: number;
  readonly stream: "out" | "err" | "tsgi";
  readonly line: string;
}

class Ring {
  readonly #items: (RecentLine | undefined)[];
  #next = 0;
  #size = 0;
  constructor(capacity: number) {
    this.#items = new Array<RecentLine | undefined>(capacity);
  }
  push(item: RecentLine): void {
    this.#items[this.#next] = item;
    this.#next = (this.#next + 1) % this.#items.length;
    this.#size = Math.min(this.#size + 1, this.#items.length);
  }
  last(n: number): RecentLine[] {
    const count = Math.min(n, this.#size);
    const out: RecentLine[] = [];
    for (let i = count; i > 0; i--) {
      const item = this.#items[(this.#next - i + this.#items.length) % this.#items.length];
      if (item !== undefined) out.push(item);
    }
    return out;
  }
}

export class RecentLines {
  readonly #rings = new Map<string, Ring>();
  readonly #followers = new Map<string, Set<(line: RecentLine) => void>>();

  add(site: string, line: RecentLine): void {
    let ring = this.#rings.get(site);
    if (ring === undefined) {
      ring = new Ring(RECENT_LINES);
      this.#rings.set(site, ring);
    }
    ring.push(line);
    const followers = this.#followers.get(site);
    if (followers !== undefined) for (const follower of followers) follower(line);
  }

  last(site: string, n: number): RecentLine[] {
    return this.#rings.get(site)?.last(n) ?? [];
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
}
