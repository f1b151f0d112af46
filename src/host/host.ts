/**
 * The supervisor's place on its host, set up once per supervisor process by `cli/run.ts`:
 * subreaper and orphan reaping (as PID 1, without cgroups, or with `--subreaper`), process
 * tracking (cgroups or escapee search), the death watch,
 * and the launch wrapper every site process goes through.
 *
 * These are process-wide by nature (one subreaper bit, one PID 1, one watcher per supervisor
 * process), so the launch path reads the installed host instead of threading it through every
 * site: until `installHost` runs (unit tests of sites) the default host tracks by group only
 * and still sets the parent-death signal.
 */
import { startDeathWatch, type DeathWatch } from "./death-watch.js";
import { findSetpriv, setprivNeeded, wrapLaunch, type Launch, type LaunchRequest } from "./launch-wrapper.js";
import { processEnv } from "./children.js";
import { trackOwnChildren } from "./own-children.js";
import { startReaper, type Reaper } from "./reaper.js";
import { becomeSubreaper, subreaperWanted, type SubreaperResult } from "./subreaper.js";
import { describeMode, leaveServiceCgroup, startTracking, type ProcessTracker, type Tracking } from "./tracking.js";
import type { ProcessMark } from "./escapees.js";
import type { SiteLimits } from "../config/types.js";

export interface Host {
  readonly tracking: Tracking;
  /** The tracker of one site process, made before it is spawned. */
  tracker(mark: ProcessMark): ProcessTracker;
  /** Processes about to start together: whatever tracks them set up now, before any starts (`Tracking.prepare`). */
  prepare(marks: readonly ProcessMark[]): void;
  /** A spawn may follow soon (a control client connected): the tracking's lock warmed now (`Tracking.warm`). */
  warm(): void;
  /** How to spawn it. */
  wrap(request: Omit<LaunchRequest, "setpriv">): Launch;
  /** Before a site's process starts: its limits set, or the one sentence about them said once. */
  limits(site: string, limits: SiteLimits | undefined): void;
  /** It runs (its group is `pid`) / it ended. */
  started(pid: number, stopSignal: NodeJS.Signals): void;
  ended(pid: number): void;
  /** All sites stopped: remove the cgroups, end the death watch and the reaper. */
  close(): Promise<void>;
}

export interface HostOptions {
  readonly warn: (message: string) => void;
  /** A process that left its site's group was adopted (`site` from its TSGI_SITE, when readable). */
  readonly adopted?: (pid: number, site: string | undefined) => void;
  /** `--subreaper`: fail instead of warning when the supervisor cannot become one. */
  readonly requireSubreaper?: boolean;
  readonly env: NodeJS.ProcessEnv;
  /** The processes the supervisor starts first (every autostart site's first generation), prepared at once (`Host.prepare`). */
  readonly firstStart?: readonly ProcessMark[];
}

export class SubreaperUnavailable extends Error {}

/** Throws SubreaperUnavailable only under `requireSubreaper`. */
export function startHost(options: HostOptions): Host {
  // Before the first spawn (the death watch's included): out of a systemd unit's own cgroup, so
  // nothing is left behind in it, and the reaper must know Node's own children.
  const systemdService = options.env["INVOCATION_ID"] !== undefined;
  const unitCgroup = leaveServiceCgroup({ cgroupSetting: options.env["TSGI_CGROUP"], systemdService });
  trackOwnChildren();
  const watch: DeathWatch | undefined = startDeathWatch();
  let became: SubreaperResult | undefined;
  const subreaperNow = (): SubreaperResult => (became ??= becomeSubreaper());
  if (options.requireSubreaper === true) {
    const required = subreaperNow();
    if (!required.ok) throw new SubreaperUnavailable(`--subreaper: the supervisor cannot become its sites' subreaper (${required.reason})`);
  }
  // The tracking before the rest, and with it the first processes' cgroups and the migration
  // lock's warm-up (`Tracking.prepare`): the lock's grace period (~20 ms on a busy 2-core host,
  // measured with ftrace) then runs while the rest of the host and the supervisor are set up, and
  // the first site's launch shell finds it passed.
  const tracking = startTracking({
    subreaper: () => subreaperNow().ok,
    cgroupSetting: unitCgroup ?? options.env["TSGI_CGROUP"],
    subtree: `tsgi-${process.pid}`,
  });
  if (options.firstStart !== undefined) tracking.prepare(options.firstStart);
  const wanted = subreaperWanted({ required: options.requireSubreaper === true, pid1: process.pid === 1, tracking: tracking.mode.kind });
  const subreaper = wanted ? subreaperNow() : undefined;
  let reaper: Reaper | undefined;
  if (subreaper?.ok === true)
    reaper = startReaper({
      libc: subreaper.libc,
      onAdopted(pid) {
        watch?.add(pid, "SIGTERM");
        const site = processEnv(pid).get("TSGI_SITE");
        options.adopted?.(pid, site);
      },
      onAdoptedGone: (pid) => watch?.remove(pid),
    });
  else if (subreaper !== undefined)
    options.warn(
      `cannot become the sites' subreaper (${subreaper.reason}): processes that leave a site's group are out of reach` +
        (process.pid === 1 ? ", and orphans are not reaped" : ""),
    );
  const setpriv = findSetpriv();
  if (setpriv === undefined)
    options.warn("setpriv (util-linux) is not installed: a site's first process is not signalled when the supervisor dies");
  if (watch === undefined) options.warn("cannot start the death watch (/bin/sh): site processes may outlive a killed supervisor");
  if (tracking.mode.kind === "cgroup") watch?.cgroup(tracking.mode.root);
  const said = new Map<string, string>();
  const host: Host = {
    tracking,
    tracker: (mark) => tracking.forProcess(mark),
    prepare: (marks) => tracking.prepare(marks),
    warm: () => tracking.warm(),
    wrap: (request) => {
      const needed = setprivNeeded({
        uid: request.uid,
        gid: request.gid,
        cgroupTracked: tracking.mode.kind === "cgroup",
        deathWatchAlive: watch?.alive() === true,
      });
      return wrapLaunch({ ...request, setpriv: needed ? setpriv : undefined });
    },
    limits(site, limits) {
      const sentence = tracking.applyLimits(site, limits);
      if (sentence !== undefined && said.get(site) !== sentence) options.warn(sentence);
      if (sentence === undefined) said.delete(site);
      else said.set(site, sentence);
    },
    started(pid, stopSignal) {
      watch?.add(pid, stopSignal);
      // What it starts may leave its group and be re-parented to the supervisor.
      reaper?.wake();
    },
    ended: (pid) => watch?.remove(pid),
    async close() {
      await tracking.close();
      reaper?.close();
      watch?.close();
    },
  };
  installed = host;
  return host;
}

export function describeTracking(host: Host): string {
  return describeMode(host.tracking.mode);
}

const defaultHost: Host = (() => {
  const tracking: Tracking = startTracking({ subreaper: () => false, cgroupSetting: "off", subtree: "" });
  return {
    tracking,
    tracker: (mark) => tracking.forProcess(mark),
    prepare: () => undefined,
    warm: () => undefined,
    wrap: (request) => wrapLaunch({ ...request, setpriv: findSetpriv() }),
    limits: () => undefined,
    started: () => undefined,
    ended: () => undefined,
    close: () => Promise.resolve(),
  };
})();

let installed: Host | undefined;

/** The host the launch path uses. */
export function currentHost(): Host {
  return installed ?? defaultHost;
}

/** Back to the default (the supervisor stopped; tests). */
export function uninstallHost(): void {
  installed = undefined;
}
