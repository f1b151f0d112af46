/**
 * A site's memory and CPU over the last minutes: a fixed-size ring of samples, so 200 sites
 * cost the supervisor the same few hundred kilobytes after a minute as after a month.
 */

export interface Series {
  /** Sample times, ms since the epoch, oldest first. */
  readonly time: number[];
  /** Resident bytes of the site's process groups; `null` while no process ran. */
  readonly memory: (number | null)[];
  /** Percent of one core; `null` while no process ran. */
  readonly cpu: (number | null)[];
}

export class SampleRing {
  readonly #time: Float64Array;
  readonly #memory: Float64Array;
  readonly #cpu: Float64Array;
  #next = 0;
  #size = 0;

  constructor(readonly capacity: number) {
    this.#time = new Float64Array(capacity);
    this.#memory = new Float64Array(capacity);
    this.#cpu = new Float64Array(capacity);
  }

  get size(): number {
    return this.#size;
  }

  /** NaN stands for "no process": typed arrays hold no `undefined`. */
  push(time: number, memory: number | undefined, cpu: number | undefined): void {
    this.#time[this.#next] = time;
    this.#memory[this.#next] = memory ?? Number.NaN;
    this.#cpu[this.#next] = cpu ?? Number.NaN;
    this.#next = (this.#next + 1) % this.capacity;
    this.#size = Math.min(this.#size + 1, this.capacity);
  }

  series(): Series {
    const out: Series = { time: [], memory: [], cpu: [] };
    for (let i = this.#size; i > 0; i--) {
      const at = (this.#next - i + this.capacity) % this.capacity;
      const memory = this.#memory[at] ?? Number.NaN;
      const cpu = this.#cpu[at] ?? Number.NaN;
      out.time.push(this.#time[at] ?? 0);
      out.memory.push(Number.isNaN(memory) ? null : memory);
      out.cpu.push(Number.isNaN(cpu) ? null : cpu);
    }
    return out;
  }
}
