/**
 * How the supervisor keeps track of every process a site starts, best first:
 *
 * - `cgroup`: each site in a cgroup of its own (`cgroup.ts`); a stop ends everything in it, even
 *   what left the process group; `limits` apply; status memory and CPU are the cgroup's.
 * - `subreaper`: the supervisor is its sites' subreaper (`subreaper.ts`), so escapees come back
 *   to it and are found by their marks (`escapees.ts`).
 * - `group`: the process group only (no libc calls available): what leaves it is out of reach.
 *
 * `TSGI_CGROUP=off` turns cgroups off; `TSGI_CGROUP=/sys/fs/cgroup/…` names the parent cgroup.
 */
import fs from "node:fs";
import path from "node:path";
import {
  cgroup2Mount,
  cgroupProcs,
  cgroupUsage,
  controllersOf,
  enableControllers,
  joinCgroup,
  killCgroup,
  makeCgroup,
  ownCgroup,
  removeCgroup,
  removeCgroupWhenEmpty,
  WANTED_CONTROLLERS,
  writeCgroupFile,
} from "./cgroup.js";
import type { SiteLimits } from "../config/types.js";
import { procInfo } from "./children.js";
import { limitFiles, limitsSentence } from "./limits.js";
import { findEscapees, type ProcessMark } from "./escapees.js";
import { migrationWarmup } from "./migration-warmup.js";

export type TrackingMode =
  | { readonly kind: "cgroup"; readonly root: string; readonly controllers: ReadonlySet<string> }
  | { readonly kind: "subreaper"; readonly why: string }
  | { readonly kind: "group"; readonly why: string };

/** The processes of one site process beyond its group, and how to end them. */
export interface ProcessTracker {
  /** The cgroup the launch wrapper moves the process into, if any. */
  readonly cgroup: string | undefined;
  /** The process is spawned by the supervisor's own privilege drop: make sure it is where it should be. */
  attach(pid: number): void;
  /** Live processes it started that are outside its group (`leader` is its pid and group id). */
  others(leader: number): number[];
  /** SIGKILL to everything it started, now. */
  killAll(leader: number): void;
  /** It and everything it started are gone: forget it. */
  release(): void;
  /** Processes of it the kernel's OOM killer ended (its cgroup's `memory.events`), 0 elsewhere. */
  oomKills(): number;
}

export interface Tracking {
  readonly mode: TrackingMode;
  /** One line for `check` and the start log. */
  describe(): string;
  forProcess(mark: ProcessMark): ProcessTracker;
  /**
   * The processes about to start together (every site at start-up): their cgroups made now, all
   * before the first of them moves into its own. Each move holds the kernel's `cgroup_mutex`
   * through an RCU grace period (10–30 ms on a cgroup2 mount without `favordynmods`), and a
   * `mkdir` of a cgroup waits for that mutex: made one by one at each spawn, the second site's
   * waited for the first site's move, on the supervisor's only thread (measured with ftrace, 20
   * sites: the second site's `mkdir` 15 ms after the first site's shell began its move).
   */
  prepare(marks: readonly ProcessMark[]): void;
  /** The migration lock taken in the background now, ahead of a spawn that may follow (`migration-warmup.ts`). */
  warm(): void;
  /** Sets the site's limits (or lifts them); the sentence to show when some cannot be applied. */
  applyLimits(site: string, limits: SiteLimits | undefined): string | undefined;
  /** The site's own cgroup (limits, usage), in cgroup mode. */
  siteCgroup(site: string): string | undefined;
  /** Ends what is left in the supervisor's cgroups and removes them (all sites stopped). */
  close(): Promise<void>;
}

export interface TrackingOptions {
  /** Whether the supervisor is (or now becomes) its sites' subreaper; asked only where there are no cgroups. */
  readonly subreaper: () => boolean;
  /** `TSGI_CGROUP`. */
  readonly cgroupSetting: string | undefined;
  /** Name of the supervisor's own subtree under the parent. */
  readonly subtree: string;
}

/** Decides the mode and, for cgroups, creates the supervisor's subtree. */
export function startTracking(options: TrackingOptions): Tracking {
  const chosen = chooseMode(options, true);
  return trackingFor(chosen.mode, chosen.ownDir);
}

/** What `startTracking` would choose, without keeping anything (`check`). */
export function probeTracking(options: TrackingOptions): TrackingMode {
  return chooseMode(options, false).mode;
}

/** The cgroup the supervisor's subtree goes under, or why there is none. */
function parentCgroup(
  options: Pick<TrackingOptions, "cgroupSetting">,
): { readonly ok: true; readonly mount: string; readonly parent: string } | { readonly ok: false; readonly why: string } {
  if (options.cgroupSetting === "off") return { ok: false, why: "cgroups turned off by TSGI_CGROUP=off" };
  const mount = cgroup2Mount();
  if (mount === undefined) return { ok: false, why: "no cgroup v2 hierarchy is mounted" };
  if (options.cgroupSetting !== undefined && options.cgroupSetting !== "") {
    const parent = path.resolve(options.cgroupSetting);
    if (!parent.startsWith(mount + path.sep) && parent !== mount)
      return { ok: false, why: `TSGI_CGROUP=${parent} is not under the cgroup v2 mount ${mount}` };
    return { ok: true, mount, parent };
  }
  const own = ownCgroup();
  if (own === undefined) return { ok: false, why: "the supervisor's own cgroup v2 path is unknown" };
  return { ok: true, mount, parent: path.join(mount, own) };
}

/**
 * Under systemd with Delegate=yes the supervisor starts in its unit's own cgroup, and a cgroup
 * with processes of its own cannot hand controllers down to the sites' cgroups: the supervisor
 * moves to a leaf of it (`supervisor`) — before it starts any process of its own, which would
 * stay behind in the unit's cgroup and keep every controller from being enabled there (the
 * death watch did). Elsewhere (a login session's scope) it leaves its own cgroup as it is.
 * Answers the unit's cgroup when it moved: the parent of the supervisor's subtree still.
 */
export function leaveServiceCgroup(options: {
  readonly cgroupSetting: string | undefined;
  /** Run by systemd as a service (INVOCATION_ID set): its unit's cgroup is delegated to it with `Delegate=yes`. */
  readonly systemdService: boolean;
}): string | undefined {
  if (!options.systemdService) return undefined;
  const found = parentCgroup(options);
  if (!found.ok || found.parent === found.mount || !cgroupProcs(found.parent).includes(process.pid)) return undefined;
  const leaf = makeCgroup(path.join(found.parent, "supervisor"));
  if (!leaf.ok || !joinCgroup(leaf.value, process.pid)) return undefined;
  // Still the sites' parent: the supervisor's own cgroup is now the leaf.
  return found.parent;
}

interface Chosen {
  readonly mode: TrackingMode;
  /** The supervisor's own cgroup, when the mode is cgroup and it is kept (`migration-warmup.ts`). */
  readonly ownDir?: string;
}

function chooseMode(options: TrackingOptions, keep: boolean): Chosen {
  const fallback = (why: string): Chosen => ({
    mode: options.subreaper()
      ? { kind: "subreaper", why }
      : { kind: "group", why: `${why}; and the supervisor could not become a subreaper` },
  });
  const found = parentCgroup(options);
  if (!found.ok) return fallback(found.why);
  const parent = found.parent;
  const root = path.join(parent, options.subtree);
  const made = makeCgroup(root);
  if (!made.ok) return fallback(`${made.reason}: run as root, or under systemd with Delegate=yes`);
  if (!keep) {
    removeCgroup(root);
    return { mode: { kind: "cgroup", root, controllers: new Set(controllersFor(parent, false)) } };
  }
  const own = ownCgroup();
  return {
    mode: { kind: "cgroup", root, controllers: controllersFor(parent, true, root) },
    ownDir: own === undefined ? undefined : path.join(found.mount, own),
  };
}

function controllersFor(parent: string, enable: boolean, root?: string): Set<string> {
  // Probing: what the parent offers is what the supervisor could enable.
  if (!enable || root === undefined) return new Set(WANTED_CONTROLLERS.filter((name) => controllersOf(parent).has(name)));
  enableControllers(parent, WANTED_CONTROLLERS);
  return enableControllers(root, WANTED_CONTROLLERS);
}

function trackingFor(mode: TrackingMode, ownDir: string | undefined): Tracking {
  switch (mode.kind) {
    case "cgroup":
      return cgroupTracking(mode, ownDir);
    case "subreaper":
    case "group":
      return {
        mode,
        describe: () => describeMode(mode),
        forProcess: (mark) => (mode.kind === "subreaper" ? escapeeTracker(mark) : groupOnlyTracker),
        prepare: () => undefined,
        warm: () => undefined,
        applyLimits: (site, limits) => (limits === undefined ? undefined : limitsSentence(site, limits, { cgroups: false, why: mode.why })),
        siteCgroup: () => undefined,
        close: () => Promise.resolve(),
      };
    default:
      throw unknownMode(mode);
  }
}

export function describeMode(mode: TrackingMode): string {
  switch (mode.kind) {
    case "cgroup": {
      const missing = WANTED_CONTROLLERS.filter((name) => !mode.controllers.has(name));
      return (
        `cgroup v2: each site in a cgroup of its own under ${path.dirname(mode.root)}` +
        (missing.length === 0 ? "" : ` (controllers not enabled: ${missing.join(", ")})`)
      );
    }
    case "subreaper":
      return `subreaper: the supervisor adopts what leaves a site's process group and stops it with its site (${mode.why})`;
    case "group":
      return `process group only: a process that leaves its site's group is out of reach (${mode.why})`;
    default:
      throw unknownMode(mode);
  }
}

function cgroupTracking(mode: Extract<TrackingMode, { kind: "cgroup" }>, ownDir: string | undefined): Tracking {
  const sites = new Set<string>();
  const siteDir = (site: string): string => {
    const dir = path.join(mode.root, site);
    if (!sites.has(site)) {
      sites.add(site);
      makeCgroup(dir);
      // Per-process memory and OOM counts in the leaves (nothing to read or write without controllers).
      if (mode.controllers.size > 0) enableControllers(dir, [...mode.controllers]);
    }
    return dir;
  };
  const leafOf = (mark: ProcessMark): string => path.join(siteDir(mark.site), `p${mark.index}-g${mark.generation}`);
  const prepared = new Set<string>();
  // The lock-warming no-op move goes to the supervisor's own cgroup (`migration-warmup.ts`).
  const warmup = ownDir === undefined ? undefined : migrationWarmup(ownDir);
  const warm = (): void => void warmup?.warm();
  // Each process's successor in the next generation (a reload's) gets its cgroup a second after
  // the process is spawned, out of the way of a start-up's moves: a reload then makes no cgroup,
  // whose `mkdir` would wait for `cgroup_mutex` behind the warm-up a control client's connection
  // starts (`Host.warm`), and its shell finds the lock warm.
  const ahead = new Set<NodeJS.Timeout>();
  let closed = false;
  const makeAhead = (mark: ProcessMark): void => {
    const timer = setTimeout(() => {
      ahead.delete(timer);
      // On libuv's pool: a mkdir that meets another's move waits there, not on the event loop.
      if (!closed) fs.promises.mkdir(leafOf({ ...mark, generation: mark.generation + 1 })).catch(() => undefined);
    }, AHEAD_MS);
    timer.unref();
    ahead.add(timer);
  };
  return {
    mode,
    describe: () => describeMode(mode),
    prepare(marks) {
      // Once each: the host prepares the first start as it starts, and startAll asks again.
      const fresh = marks.map(leafOf).filter((dir) => !prepared.has(dir));
      for (const dir of fresh) {
        prepared.add(dir);
        makeCgroup(dir);
      }
      if (fresh.length > 0) warm();
    },
    warm,
    forProcess(mark) {
      const dir = leafOf(mark);
      const made = makeCgroup(dir);
      const cgroup = made.ok ? dir : undefined;
      // Its cgroup made, the process is spawned next: the lock its move takes, warmed meanwhile.
      if (cgroup !== undefined) {
        warm();
        makeAhead(mark);
      }
      return {
        cgroup,
        attach(pid) {
          // The launch wrapper moved it before exec; when it could not (dropped privileges without
          // setpriv), this moves it now.
          if (cgroup !== undefined && !cgroupProcs(cgroup).includes(pid)) joinCgroup(cgroup, pid);
        },
        others(leader) {
          if (cgroup === undefined) return [];
          return cgroupProcs(cgroup).filter((pid) => pid !== leader && procInfo(pid)?.pgid !== leader);
        },
        killAll() {
          if (cgroup !== undefined) killCgroup(cgroup);
        },
        release() {
          if (cgroup !== undefined) void removeCgroupWhenEmpty(cgroup, 2000);
        },
        oomKills: () => (cgroup === undefined ? 0 : (cgroupUsage(cgroup).oomKills ?? 0)),
      };
    },
    applyLimits(site, limits) {
      const dir = siteDir(site);
      const wanted = new Map(
        limitFiles(limits ?? { memoryBytes: undefined, cpuPercent: undefined, pids: undefined }).map((f) => [f.file, f]),
      );
      const failures: string[] = [];
      for (const name of WANTED_CONTROLLERS) {
        if (!mode.controllers.has(name)) continue;
        const file = `${name}.max`;
        // A limit taken out of the file is lifted: "max" is the kernel's "no limit".
        const written = writeCgroupFile(dir, file, wanted.get(file)?.value ?? "max");
        if (!written.ok && wanted.has(file)) failures.push(written.reason);
      }
      if (limits === undefined) return undefined;
      const sentence = limitsSentence(site, limits, { cgroups: true, controllers: mode.controllers, parent: path.dirname(mode.root) });
      if (failures.length > 0) return `site \`${site}\`: ${failures.join("; ")}`;
      return sentence;
    },
    siteCgroup: (site) => (sites.has(site) ? path.join(mode.root, site) : undefined),
    async close() {
      closed = true;
      for (const timer of ahead) clearTimeout(timer);
      ahead.clear();
      warmup?.close();
      killCgroup(mode.root);
      await removeCgroupWhenEmpty(mode.root, 3000);
    },
  };
}

/** How long after a spawn the next generation's cgroup of the same process is made. */
const AHEAD_MS = 1000;

function escapeeTracker(mark: ProcessMark): ProcessTracker {
  return {
    cgroup: undefined,
    attach: () => undefined,
    others: (leader) => findEscapees(mark, leader),
    killAll(leader) {
      for (const pid of findEscapees(mark, leader)) signal(pid, "SIGKILL");
    },
    release: () => undefined,
    oomKills: () => 0,
  };
}

const groupOnlyTracker: ProcessTracker = {
  cgroup: undefined,
  attach: () => undefined,
  others: () => [],
  killAll: () => undefined,
  release: () => undefined,
  oomKills: () => 0,
};

export function signal(pid: number, name: NodeJS.Signals): void {
  if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) return;
  try {
    process.kill(pid, name);
  } catch {
    // gone meanwhile
  }
}

function unknownMode(mode: never): Error {
  return new Error(`unknown tracking mode ${JSON.stringify(mode)}`);
}
