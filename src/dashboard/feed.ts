/**
 * What every dashboard viewer sees, computed once in the supervisor however many watch: the
 * sites' status pushed on every change, memory and CPU sampled into one ring per site, and the
 * recent events. Sampling runs only while someone watches (or `supervisor.http` keeps the
 * history for whoever opens the page later); with nobody, the feed costs no timer.
 */
import type { SiteStatus } from "../control/protocol.js";
import { SampleRing, type Series } from "./ring.js";
import type { SupervisorEvent, SupervisorView } from "./view.js";

export const SAMPLE_MS = 5000;
export const HISTORY_MS = 15 * 60_000;
const RECENT_EVENTS = 300;
/** Changes are pushed this long after the last one: a crash storm is one update, not hundreds. */
const PUSH_DEBOUNCE_MS = 100;

export type FeedMessage =
  | {
      readonly type: "hello";
      readonly sampleMs: number;
      readonly historyMs: number;
      readonly sites: readonly SiteStatus[];
      readonly history: Readonly<Record<string, Series>>;
      readonly events: readonly SupervisorEvent[];
    }
  /** `sample: true` = a new point for the charts; otherwise a change of state. */
  | { readonly type: "sites"; readonly time: number; readonly sample: boolean; readonly sites: readonly SiteStatus[] }
  | { readonly type: "event"; readonly event: SupervisorEvent };

export type FeedListener = (message: FeedMessage) => void;

/** The feed's timers, injected so tests count them instead of waiting. */
export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const REAL_TIMERS: Timers = {
  // Unref'd: a viewer's feed never keeps a stopping supervisor alive.
  set: (fn, ms) => setTimeout(fn, ms).unref(),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout | undefined),
};

export interface FeedOptions {
  readonly sampleMs?: number;
  /** Sample even with nobody watching (`supervisor.http`: the history is there when the page opens). */
  readonly always?: boolean;
  readonly now?: () => number;
  readonly timers?: Timers;
}

export class SupervisorFeed {
  readonly #view: SupervisorView;
  readonly #sampleMs: number;
  readonly #always: boolean;
  readonly #now: () => number;
  readonly #timers: Timers;
  readonly #rings = new Map<string, SampleRing>();
  readonly #events: SupervisorEvent[] = [];
  readonly #listeners = new Set<FeedListener>();
  readonly #unsubscribe: () => void;
  #timer: unknown;
  /** The id of the sampling loop running, 0 for none. */
  #loop = 0;
  #loops = 0;
  #push: unknown;

  constructor(view: SupervisorView, options: FeedOptions = {}) {
    this.#view = view;
    this.#sampleMs = options.sampleMs ?? SAMPLE_MS;
    this.#always = options.always ?? false;
    this.#now = options.now ?? Date.now;
    this.#timers = options.timers ?? REAL_TIMERS;
    this.#unsubscribe = view.subscribe((event) => this.#event(event));
    this.#schedule();
  }

  get sampleMs(): number {
    return this.#sampleMs;
  }

  /** The hello (status, history, recent events) first, then every change as it happens. */
  async subscribe(listener: FeedListener): Promise<() => void> {
    const sites = await this.#view.status();
    const history: Record<string, Series> = {};
    for (const [name, ring] of this.#rings) history[name] = ring.series();
    listener({ type: "hello", sampleMs: this.#sampleMs, historyMs: HISTORY_MS, sites, history, events: [...this.#events] });
    this.#listeners.add(listener);
    this.#schedule();
    return () => {
      this.#listeners.delete(listener);
      this.#schedule();
    };
  }

  close(): void {
    this.#unsubscribe();
    this.#listeners.clear();
    this.#loop = 0;
    this.#timers.clear(this.#timer);
    this.#timers.clear(this.#push);
  }

  /** One sample of every site, then pushed to the viewers. Exposed for tests on a fake view. */
  async sample(): Promise<void> {
    const sites = await this.#view.status();
    const time = this.#now();
    const names = new Set(sites.map((site) => site.name));
    for (const name of this.#rings.keys()) if (!names.has(name)) this.#rings.delete(name);
    for (const site of sites) {
      let ring = this.#rings.get(site.name);
      if (ring === undefined) {
        ring = new SampleRing(Math.ceil(HISTORY_MS / this.#sampleMs));
        this.#rings.set(site.name, ring);
      }
      ring.push(time, site.memoryBytes, site.cpuPercent);
    }
    this.#send({ type: "sites", time, sample: true, sites });
  }

  #event(event: SupervisorEvent): void {
    this.#events.push(event);
    if (this.#events.length > RECENT_EVENTS) this.#events.splice(0, this.#events.length - RECENT_EVENTS);
    if (this.#listeners.size === 0) return;
    this.#send({ type: "event", event });
    this.#timers.clear(this.#push);
    this.#push = this.#timers.set(() => {
      this.#push = undefined;
      void this.#view.status().then(
        (sites) => this.#send({ type: "sites", time: this.#now(), sample: false, sites }),
        () => undefined,
      );
    }, PUSH_DEBOUNCE_MS);
  }

  #send(message: FeedMessage): void {
    for (const listener of this.#listeners) listener(message);
  }

  /** The sampling loop runs exactly while someone watches, or always with `always`. */
  #schedule(): void {
    const wanted = this.#always || this.#listeners.size > 0;
    if (wanted && this.#loop === 0) {
      this.#loop = ++this.#loops;
      this.#run(this.#loop);
    } else if (!wanted && this.#loop !== 0) {
      this.#loop = 0;
      this.#timers.clear(this.#timer);
      this.#timer = undefined;
    }
  }

  /** A sample now, the next one `sampleMs` after it ends (never two at once); `id` stops a stale loop. */
  #run(id: number): void {
    void this.sample()
      .catch(() => undefined)
      .finally(() => {
        if (this.#loop !== id) return;
        this.#timer = this.#timers.set(() => this.#run(id), this.#sampleMs);
      });
  }
}
