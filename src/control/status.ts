/**
 * What `status` reports per site: state, pids, uptime, restarts, memory, CPU, address. Never the
 * environment — that is where secrets live.
 */
import { siteCgroupUsage } from "../host/cgroup-usage.js";
import { processGroups } from "../process/proc-stat.js";
import { UsageSampler, type Usage } from "../process/usage.js";
import type { Site } from "../supervisor/site.js";
import type { SiteSnapshot } from "../supervisor/site-snapshot.js";
import type { ProcessStatus, SiteStatus } from "./protocol.js";

const sampler = new UsageSampler();

/**
 * Status of several sites, with one scan of /proc and one usage sample for all of them (a sample
 * per site read /proc/uptime once per site: a tenth of the answer's time with 100 sites).
 */
export async function sitesStatus(sites: readonly Site[]): Promise<SiteStatus[]> {
  const groups = processGroups();
  const members = (pid: number): readonly number[] => groups.get(pid) ?? [pid];
  const seen = sites.map((site) => {
    const snapshot = site.snapshot();
    return { snapshot, pids: snapshot.processes.flatMap((p) => (p.pid === undefined ? [] : [p.pid])) };
  });
  const sampled = await sampler.sample(seen.flatMap(({ pids }) => pids.flatMap(members)));
  return seen.map(({ snapshot, pids }) => siteStatus(snapshot, pids, members, sampled));
}

/**
 * Memory and CPU count the whole process group of each process: a gunicorn master's worker, or
 * whatever a command started, is part of what the site costs.
 */
function siteStatus(
  snapshot: SiteSnapshot,
  pids: readonly number[],
  members: (pid: number) => readonly number[],
  sampled: ReadonlyMap<number, Usage>,
): SiteStatus {
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
  const processes = snapshot.processes.map((p): ProcessStatus => {
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
  const cgroup = siteCgroupUsage(snapshot.name);
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
