/**
 * All sites of one `sites.yaml`: starting them, applying a new version of the file site by
 * site, and stopping them all. Each site is independent — one that fails to start, crash-loops
 * or hangs never delays or stops the others.
 */
import { diffConfigs } from "../config/diff.js";
import type { ResolvedConfig, ResolvedSite } from "../config/types.js";
import { onlySites } from "../config/only.js";
import { currentHost } from "../host/host.js";
import type { Log } from "../logging/logger.js";
import type { Clock } from "../time/clock.js";
import { SupervisorEvents } from "./events.js";
import { watchHealth, type HealthWatch } from "./health-watch.js";
import { MEMORY_SAMPLE_MS, watchMemory, type MemoryWatch } from "./memory-watch.js";
import { pollWatch, type ReadableWatch } from "../sockets/readable-watch.js";
import { Site, startMarks, type OpResult, type SiteDeps } from "./site.js";
import type { ProcessMark } from "../host/escapees.js";
import { dependencyGraph, dependents, inDependencyOrder, withDependencies } from "./start-order.js";

export interface ApplyReport {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly string[];
  readonly unchanged: readonly string[];
  readonly results: Readonly<Record<string, OpResult>>;
}

export interface SupervisorOptions {
  readonly log: Log;
  /** `--only`: the sites to supervise; the others in the file are ignored. */
  readonly only: ReadonlySet<string> | undefined;
  readonly clock: Clock;
  readonly random?: () => number;
  /** Spawns one process (tests give fake processes); the real spawn by default. */
  readonly spawn?: SiteDeps["spawn"];
  /** The watch over scaled sites' sockets (tests give a fake one); one poll(2) thread by default. */
  readonly watch?: ReadableWatch;
}

export class Supervisor {
  #config: ResolvedConfig;
  readonly #sites = new Map<string, Site>();
  readonly #memory = new Map<Site, MemoryWatch>();
  readonly #health = new Map<Site, HealthWatch>();
  readonly #options: SupervisorOptions;
  readonly #deps: SiteDeps;
  /** One poll over every scaled site's socket, made when the first one needs it. */
  #watch: ReadableWatch | undefined;
  /** Everything every site does, for the log, the state file, hot reload and tests. */
  readonly events = new SupervisorEvents();

  constructor(config: ResolvedConfig, options: SupervisorOptions) {
    this.#options = options;
    this.#config = this.#filter(config, true);
    this.#deps = {
      log: options.log,
      clock: options.clock,
      random: options.random ?? Math.random,
      events: this.events,
      ...(options.spawn === undefined ? {} : { spawn: options.spawn }),
      watch: () => (this.#watch ??= options.watch ?? pollWatch()),
    };
  }

  get config(): ResolvedConfig {
    return this.#config;
  }

  sites(): Site[] {
    return [...this.#sites.values()];
  }

  site(name: string): Site | undefined {
    return this.#sites.get(name);
  }

  /** The processes `startAll` spawns first: every autostart site's first generation (`HostOptions.firstStart`). */
  firstStartMarks(): ProcessMark[] {
    return this.#config.sites.filter((config) => config.autostart).flatMap((config) => startMarks(config, 1));
  }

  /** Creates every site and starts those with `autostart`, all in parallel. */
  async startAll(): Promise<Record<string, OpResult>> {
    this.#options.log.setFiles(this.#config.logs);
    for (const config of this.#config.sites) this.#add(config);
    // Every autostart site's cgroups made now, before the first of its processes moves into one
    // (`Tracking.prepare` says why); already made where the host was given them (`HostOptions.firstStart`).
    currentHost().prepare(this.firstStartMarks());
    // Each site as soon as what it depends on is ready; independent sites in parallel.
    const graph = dependencyGraph(this.#config.sites);
    const order = await inDependencyOrder(
      this.#config.sites.map((config) => config.name),
      (name) => graph.get(name) ?? [],
      async (name): Promise<OpResult> => {
        const site = this.#sites.get(name);
        if (site === undefined) return { ok: false, message: "missing" };
        return site.config.autostart ? site.start() : { ok: true, message: `${name} not started (autostart: false)` };
      },
      (result) => result.ok,
    );
    return Object.fromEntries([...order].map(([name, outcome]) => [name, this.#ordered(name, outcome)]));
  }

  /** `start NAME`: what it depends on first (each once ready), then the site. */
  async start(name: string): Promise<OpResult> {
    const graph = dependencyGraph(this.#config.sites);
    const needed = withDependencies([name], graph);
    const order = await inDependencyOrder(
      [...needed],
      (other) => graph.get(other) ?? [],
      async (other): Promise<OpResult> => this.#sites.get(other)?.start() ?? { ok: false, message: `no site ${other}` },
      (result) => result.ok,
    );
    const outcome = order.get(name);
    return outcome === undefined ? { ok: false, message: `no site ${name}` } : this.#ordered(name, outcome);
  }

  #ordered(name: string, outcome: { ran: true; result: OpResult } | { ran: false; blockedBy: string }): OpResult {
    return outcome.ran
      ? outcome.result
      : { ok: false, message: `${name} not started: it depends on ${outcome.blockedBy}, which did not start` };
  }

  /** `reload-config`: only the difference is applied; unchanged sites keep their processes. */
  async apply(next: ResolvedConfig): Promise<ApplyReport> {
    const filtered = this.#filter(next);
    const diff = diffConfigs(this.#config, filtered);
    this.#config = filtered;
    this.#options.log.setFiles(filtered.logs);
    const results: Record<string, OpResult> = {};
    await Promise.all([
      ...diff.added.map(async (config) => {
        const site = this.#add(config);
        results[config.name] = config.autostart ? await site.start() : { ok: true, message: `${config.name} added (autostart: false)` };
      }),
      ...diff.removed.map(async (config) => {
        const site = this.#sites.get(config.name);
        if (site === undefined) return;
        results[config.name] = await site.remove();
        this.#sites.delete(config.name);
        this.#memory.get(site)?.stop();
        this.#memory.delete(site);
        this.#health.get(site)?.stop();
        this.#health.delete(site);
        this.events.emit({ type: "site-removed", site: config.name });
      }),
      ...diff.changed.map(async (change) => {
        const site = this.#sites.get(change.after.name);
        if (site === undefined) return;
        results[change.after.name] = await site.update(change.after, change.socketChanged, change.processesChanged);
        this.#watchMemory(site);
        this.#watchHealth(site);
        this.events.emit({ type: "site-updated", site: site.name });
      }),
    ]);
    return {
      added: diff.added.map((s) => s.name),
      removed: diff.removed.map((s) => s.name),
      changed: diff.changed.map((c) => c.after.name),
      unchanged: diff.unchanged.map((s) => s.name),
      results,
    };
  }

  /** Stops every site in parallel and releases every socket. */
  async stopAll(): Promise<{ names: string[]; ms: number }> {
    const clock = this.#options.clock;
    const started = clock.now();
    const sites = this.sites();
    for (const watch of [...this.#memory.values(), ...this.#health.values()]) watch.stop();
    // Reverse order: a site stops before the sites it depends on.
    const users = dependents(dependencyGraph(sites.map((site) => site.config)));
    await inDependencyOrder(
      sites.map((site) => site.name),
      (name) => users.get(name) ?? [],
      async (name) => this.#sites.get(name)?.remove(),
      () => true,
    );
    this.#watch?.close();
    this.#watch = undefined;
    return { names: sites.map((site) => site.name), ms: clock.now() - started };
  }

  #add(config: ResolvedSite): Site {
    const site = new Site(config, this.#deps);
    this.#sites.set(config.name, site);
    this.#watchMemory(site);
    this.#watchHealth(site);
    this.events.emit({ type: "site-added", site: config.name });
    return site;
  }

  /** A memory sampler only for sites with `maxMemory`: sites without one cost no timer. */
  #watchMemory(site: Site): void {
    this.#memory.get(site)?.stop();
    this.#memory.delete(site);
    if (site.config.maxMemoryBytes === undefined) return;
    // TSGI_MEMORY_SAMPLE_MS shortens the sampling period (tests, aggressive limits).
    this.#memory.set(site, watchMemory(site, this.#options.clock, Number(process.env["TSGI_MEMORY_SAMPLE_MS"]) || MEMORY_SAMPLE_MS));
  }

  /** A liveness prober only for sites with `health:`. */
  #watchHealth(site: Site): void {
    this.#health.get(site)?.stop();
    this.#health.delete(site);
    if (site.config.health === undefined) return;
    this.#health.set(site, watchHealth(site, this.#options.clock));
  }

  /** `--only`, with what those sites depend on (said once, at start: `announce`). */
  #filter(config: ResolvedConfig, announce = false): ResolvedConfig {
    const only = this.#options.only;
    if (only === undefined) return config;
    const kept = withDependencies(only, dependencyGraph(config.sites));
    const added = [...kept].filter((name) => !only.has(name));
    if (announce && added.length > 0) {
      this.#options.log.event("info", `--only ${[...only].join(",")}: also supervising ${added.join(", ")} (dependsOn)`);
    }
    return onlySites(config, kept);
  }
}
