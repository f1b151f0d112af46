/**
 * What `status` reports per site: state, pids, uptime, restarts, memory, CPU, address. Never the
 * environment — that is where secrets live.
 */
import { UsageSampler } from "../process/usage.js";
import type { Site, SiteSnapshot } from "../supervisor/site.js";

export interface ProcessStatus {
  readonly index: number;
  readonly pid: number | undefined;
  readonly state: string;
  readonly generation: number;
  readonly uptimeMs: number | undefined;
  readonly restarts: number;
  readonly memoryBytes: number | undefined;
  readonly cpuPercent: number | undefined;
  readonly detail: string | undefined;
}

export interface SiteStatus extends Omit<SiteSnapshot, "processes"> {
  readonly pids: readonly number[];
  readonly uptimeMs: number | undefined;
  readonly memoryBytes: number | undefined;
  readonly cpuPercent: number | undefined;
  readonly processes: readonly ProcessStatus[];
}

const sampler = new UsageSampler();

export async function siteStatus(site: Site): Promise<SiteStatus> {
  const snapshot = site.snapshot();
  const pids = snapshot.processes.flatMap((p) => (p.pid === undefined ? [] : [p.pid]));
  const usage = await sampler.sample(pids);
  const now = Date.now();
  const processes = snapshot.processes.map((p) => {
    const stats = p.pid === undefined ? undefined : usage.get(p.pid);
    return {
      ...p,
      uptimeMs: p.startedAt === undefined ? undefined : now - p.startedAt,
      memoryBytes: stats?.memoryBytes,
      cpuPercent: stats === undefined ? undefined : Math.round(stats.cpuPercent * 10) / 10,
    };
  });
  const measured = processes.filter((p) => p.memoryBytes !== undefined);
  const starts = snapshot.processes.flatMap((p) => (p.startedAt === undefined ? [] : [p.startedAt]));
  return {
    ...snapshot,
    pids,
    uptimeMs: starts.length === 0 ? undefined : now - Math.min(...starts),
    memoryBytes: measured.length === 0 ? undefined : measured.reduce((sum, p) => sum + (p.memoryBytes ?? 0), 0),
    cpuPercent: measured.length === 0 ? undefined : Math.round(measured.reduce((sum, p) => sum + (p.cpuPercent ?? 0), 0) * 10) / 10,
    processes,
  };
}
