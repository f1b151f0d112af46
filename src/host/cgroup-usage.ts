/**
 * A site's memory and CPU from its cgroup, where it has one: everything the site started is
 * counted, also what left its process group. `memory.current` needs the memory controller;
 * `cpu.stat` is always there. CPU is the percent of one CPU since the previous look.
 */
import { cgroupUsage } from "./cgroup.js";
import { currentHost } from "./host.js";

const previous = new Map<string, { usec: number; at: number }>();

export interface SiteUsage {
  readonly memoryBytes: number | undefined;
  readonly cpuPercent: number | undefined;
}

export function siteCgroupUsage(site: string, now = Date.now()): SiteUsage | undefined {
  const dir = currentHost().tracking.siteCgroup(site);
  if (dir === undefined) return undefined;
  const usage = cgroupUsage(dir);
  let cpuPercent: number | undefined;
  if (usage.cpuUsec !== undefined) {
    const last = previous.get(dir);
    previous.set(dir, { usec: usage.cpuUsec, at: now });
    if (last !== undefined && now > last.at) cpuPercent = Math.max(0, ((usage.cpuUsec - last.usec) / 1000 / (now - last.at)) * 100);
  }
  return { memoryBytes: usage.memoryBytes, cpuPercent: cpuPercent === undefined ? undefined : Math.round(cpuPercent * 10) / 10 };
}
