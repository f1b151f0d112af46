/**
 * What `status` reports per site: state, pids, uptime, restarts, memory, CPU, address. Never the
 * environment — that is where secrets live.
 */
import { siteCgroupUsage } from "../host/cgroup-usage.js";
import { processGroups } from "../process/proc-stat.js";
import { UsageSampler } from "../process/usage.js";
import type { ScalingSnapshot, SiteSnapshot } from "../supervisor/site-snapshot.js";
import type { Site } from "../supervisor/site.js";

export interface ProcessStatus {
  readonly index: number;
  readonly pid: number | undefined;
  readonly state: string;
  readonly generation: number;
  readonly uptimeMs: number | undefined;
  readonly restarts: number;
  readonly memoryBytes: number | undefined;
  readonly cpuPercent: number | undefined;
  /** CPU time of the process's group since it started (`/metrics` counts it). */
  readonly cpuSeconds: number | undefined;
  readonly detail: string | undefined;
}

/** `processes: {min, max, idle}`: the bounds, how many run now, and since when it had no connection. */
export interface ScalingStatus extends ScalingSnapshot {
  readonly current: number;
  readonly sinceLastConnectionMs: number | undefined;
}

export interface SiteStatus extends Omit<SiteSnapshot, "processes" | "scaling"> {
  readonly scaling: ScalingStatus | undefined;
  readonly pids: readonly number[];
  readonly uptimeMs: number | undefined;
  readonly memoryBytes: number | undefined;
  readonly cpuPercent: number | undefined;
  readonly processes: readonly ProcessStatus[];
  /** `http://NAME.localhost:PORT/` when the development router is on. */
  readonly url?: string | undefined;
}

const sampler = new UsageSampler();

/** Status of several sites, with one scan of /proc for all of them. */
export async function sitesStatus(sites: readonly Site[]): Promise<SiteStatus[]> {
  const groups = await processGroups();
  return Promise.all(sites.map((site) => siteStatus(site, groups)));
}

/**
 * Memory and CPU count the whole process group of each process: a gunicorn master's worker, or
 * whatever a command started, is part of what the site costs.
 */
async function siteStatus(site: Site, groups: ReadonlyMap<number, readonly number[]>): Promise<SiteStatus> {
  const snapshot = site.snapshot();
  const pids = snapshot.processes.flatMap((p) => (p.pid === undefined ? [] : [p.pid]));
  const members = (pid: number): readonly number[] => groups.get(pid) ?? [pid];
  const sampled = await sampler.sample(pids.flatMap(members));
  const usage = new Map(
    pids.map((pid) => {
      const parts = members(pid).flatMap((member) => {
        const one = sampled.get(member);
        return one === undefined ? [] : [one];
      });
      return [
        pid,
        parts.length === 0
          ? undefined
          : {
              memoryBytes: parts.reduce((a, u) => a + u.memoryBytes, 0),
              cpuPercent: parts.reduce((a, u) => a + u.cpuPercent, 0),
              cpuSeconds: parts.reduce((a, u) => a + u.cpuSeconds, 0),
            },
      ] as const;
    }),
  );
  const now = Date.now();
  const processes = snapshot.processes.map((p) => {
    const stats = p.pid === undefined ? undefined : usage.get(p.pid);
    return {
      ...p,
      uptimeMs: p.startedAt === undefined ? undefined : now - p.startedAt,
      memoryBytes: stats?.memoryBytes,
      cpuPercent: stats === undefined ? undefined : Math.round(stats.cpuPercent * 10) / 10,
      cpuSeconds: stats?.cpuSeconds,
    };
  });
  const measured = processes.filter((p) => p.memoryBytes !== undefined);
  const starts = snapshot.processes.flatMap((p) => (p.startedAt === undefined ? [] : [p.startedAt]));
  // With a cgroup of its own, the site's totals are the cgroup's: escapees included.
  const cgroup = siteCgroupUsage(site.name);
  return {
    ...snapshot,
    pids,
    uptimeMs: starts.length === 0 ? undefined : now - Math.min(...starts),
    memoryBytes: cgroup?.memoryBytes ?? (measured.length === 0 ? undefined : measured.reduce((sum, p) => sum + (p.memoryBytes ?? 0), 0)),
    cpuPercent:
      cgroup?.cpuPercent ??
      (measured.length === 0 ? undefined : Math.round(measured.reduce((sum, p) => sum + (p.cpuPercent ?? 0), 0) * 10) / 10),
    processes,
    scaling:
      snapshot.scaling === undefined
        ? undefined
        : {
            ...snapshot.scaling,
            current: pids.length,
            sinceLastConnectionMs: snapshot.scaling.lastConnectionAt === undefined ? undefined : now - snapshot.scaling.lastConnectionAt,
          },
  };
}
