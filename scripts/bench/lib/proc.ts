/**
 * What /proc says about a process: resident memory, CPU time, descendants. Linux only, like
 * the supervisors measured here.
 */
import fs from "node:fs";

/** Clock ticks per second of /proc/PID/stat times (`getconf CLK_TCK`, 100 on Linux). */
const TICKS_PER_SECOND = 100;

export function alive(pid: number): boolean {
  try {
    // A zombie is not alive for our purposes: it holds no memory and no socket.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return statFields(stat)[0] !== "Z";
  } catch {
    return false;
  }
}

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
  try {
    const fields = statFields(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
    // After the comm field: state is [0], utime [11], stime [12].
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Like `cpuMs`, plus the time of its children that ended and were reaped (cutime + cstime). */
export function cpuMsWithChildren(pid: number): number {
  try {
    const fields = statFields(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
    return ((Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

function statFields(stat: string): string[] {
  // comm may hold spaces and parentheses: everything after the last ")" is space-separated.
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** Every live process whose ancestry leads to `root` (not `root` itself). */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = statFields(fs.readFileSync(`/proc/${entry}/stat`, "utf8"));
      const ppid = Number(fields[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // It ended while we looked.
    }
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
