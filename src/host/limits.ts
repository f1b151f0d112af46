/**
 * `limits: {memory, cpu, pids}` → the site cgroup's `memory.max`, `cpu.max`, `pids.max`; and the
 * one sentence saying what to enable where a controller is not there — a limit is never
 * silently dropped.
 */
import type { SiteLimits } from "../config/types.js";
import type { Controller } from "./cgroup.js";
import { formatSize } from "../format/size.js";

export interface LimitFile {
  readonly controller: Controller;
  readonly key: "memory" | "cpu" | "pids";
  readonly file: string;
  readonly value: string;
}

/** cpu.max's period: 100 ms, the kernel's default. */
const CPU_PERIOD_USEC = 100_000;

export function limitFiles(limits: SiteLimits): LimitFile[] {
  const files: LimitFile[] = [];
  if (limits.memoryBytes !== undefined)
    files.push({ controller: "memory", key: "memory", file: "memory.max", value: String(limits.memoryBytes) });
  if (limits.cpuPercent !== undefined) {
    const quota = Math.max(1000, Math.round((limits.cpuPercent / 100) * CPU_PERIOD_USEC));
    files.push({ controller: "cpu", key: "cpu", file: "cpu.max", value: `${quota} ${CPU_PERIOD_USEC}` });
  }
  if (limits.pids !== undefined) files.push({ controller: "pids", key: "pids", file: "pids.max", value: String(limits.pids) });
  return files;
}

/** The sentence for limits that cannot be applied, or undefined when all can. */
export function limitsSentence(
  site: string,
  limits: SiteLimits,
  where: { cgroups: false; why: string } | { cgroups: true; controllers: ReadonlySet<string>; parent: string },
): string | undefined {
  const files = limitFiles(limits);
  if (files.length === 0) return undefined;
  if (!where.cgroups) {
    return `site \`${site}\`: limits (${files.map((f) => f.key).join(", ")}) need cgroup v2 and the supervisor has none (${where.why}): run it as root, or under systemd with Delegate=yes in its unit`;
  }
  const missing = [...new Set(files.map((f) => f.controller).filter((name) => !where.controllers.has(name)))];
  if (missing.length === 0) return undefined;
  const plus = missing.map((name) => `+${name}`).join(" ");
  return `site \`${site}\`: limits.${missing.join(", limits.")} not applied: the ${missing.join(", ")} controller${missing.length === 1 ? " is" : "s are"} not enabled above ${where.parent} — enable ${missing.length === 1 ? "it" : "them"} (systemd: Delegate=yes in the supervisor's unit; by hand: echo "${plus}" > cgroup.subtree_control of each parent cgroup)`;
}

export function describeLimits(limits: SiteLimits): string {
  const parts: string[] = [];
  if (limits.memoryBytes !== undefined) parts.push(`memory ${formatSize(limits.memoryBytes)}`);
  if (limits.cpuPercent !== undefined) parts.push(`cpu ${limits.cpuPercent}%`);
  if (limits.pids !== undefined) parts.push(`pids ${limits.pids}`);
  return parts.join(", ");
}

/** How an exit reads when the site's memory limit ended it (`killed by its memory limit 512MB`). */
export function limitKillNote(oomKills: number, memoryLimitBytes: number | undefined): string | undefined {
  if (oomKills <= 0 || memoryLimitBytes === undefined) return undefined;
  return `killed by its memory limit ${formatSize(memoryLimitBytes)}`;
}
