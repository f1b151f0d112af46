/**
 * What the benchmark asks of /proc about a process: resident memory, CPU time, descendants —
 * read with tsgi's own reader (`src/process/proc-stat.ts`). Linux only, like the supervisors
 * measured here.
 */
import fs from "node:fs";
import { isAlive as alive, readStat, scanStats, TICKS_PER_SECOND } from "../../../src/process/proc-stat.js";

export { alive };

/** Resident set size in bytes (VmRSS), 0 when the process is gone. */
export function rssBytes(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb === undefined ? 0 : Number(kb) * 1024;
  } catch {
    return 0;
  }
}

/** User + system CPU time in ms, 0 when the process is gone. */
export function cpuMs(pid: number): number {
  const stat = readStat(pid);
  return stat === undefined ? 0 : ((stat.utime + stat.stime) * 1000) / TICKS_PER_SECOND;
}

/** Like `cpuMs`, plus the time of its children that ended and were reaped (cutime + cstime). */
export function cpuMsWithChildren(pid: number): number {
  const stat = readStat(pid);
  return stat === undefined ? 0 : ((stat.utime + stat.stime + stat.cutime + stat.cstime) * 1000) / TICKS_PER_SECOND;
}

/** Every live process whose ancestry leads to `root` (not `root` itself). */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const stat of scanStats()) {
    const list = children.get(stat.ppid) ?? [];
    list.push(stat.pid);
    children.set(stat.ppid, list);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift() ?? 0;
    for (const child of children.get(pid) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** Sends a signal to one pid, ignoring a process that is already gone. */
export function signal(pid: number, sig: NodeJS.Signals): void {
  if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) return;
  try {
    process.kill(pid, sig);
  } catch {
    // Gone already.
  }
}

/** Waits until none of `pids` is alive, up to `timeoutMs`; SIGKILLs the survivors then. */
export async function reap(pids: readonly number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && pids.some(alive)) await new Promise((r) => setTimeout(r, 25));
  const survivors = pids.filter(alive);
  for (const pid of survivors) signal(pid, "SIGKILL");
  return survivors;
}

/** CPU use of `pids` over `ms` of wall time, in % of one core. */
export async function cpuPercent(pids: () => readonly number[], ms: number): Promise<number> {
  const before = pids().reduce((sum, pid) => sum + cpuMs(pid), 0);
  const started = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const after = pids().reduce((sum, pid) => sum + cpuMs(pid), 0);
  return (100 * (after - before)) / (performance.now() - started);
}

/** Live processes whose environment holds `name=value` (read from /proc/PID/environ). */
export function pidsWithEnv(name: string, value: string): number[] {
  const needle = Buffer.from(`\0${name}=${value}\0`);
  const first = Buffer.from(`${name}=${value}\0`);
  const out: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const environ = fs.readFileSync(`/proc/${entry}/environ`);
      if ((environ.includes(needle) || environ.subarray(0, first.length).equals(first)) && alive(Number(entry))) out.push(Number(entry));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return out;
}
