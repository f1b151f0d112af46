/**
 * How busy the machine is with work that is not ours. Benchmarks on a shared machine are only
 * as good as its quiet: each scenario waits (bounded) for the CPUs to settle and records what
 * it found, so a noisy row can be recognised as such.
 */
import fs from "node:fs";
import os from "node:os";
import { scanStats, TICKS_PER_SECOND } from "../../../src/process/proc-stat.js";
import { descendants } from "./proc.js";

function cpuTimes(): { busy: number; total: number } {
  const line = fs.readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Share of all CPUs busy over `ms`, in % (everything on the machine, the harness included). */
export async function busyPercent(ms: number): Promise<number> {
  const before = cpuTimes();
  await new Promise((r) => setTimeout(r, ms));
  const after = cpuTimes();
  const total = after.total - before.total;
  return total <= 0 ? 0 : (100 * (after.busy - before.busy)) / total;
}

/** Waits until the machine is below `limit` % busy over a 2 s sample, at most `maxMs`; returns the last sample. */
export async function waitQuiet(limit: number, maxMs: number, log: (line: string) => void): Promise<number> {
  const deadline = Date.now() + maxMs;
  let busy = await busyPercent(2000);
  let said = false;
  while (busy > limit && Date.now() < deadline) {
    if (!said) {
      log(
        `  machine ${busy.toFixed(0)} % busy with other work; waiting up to ${Math.round(maxMs / 1000)} s for it to drop below ${limit} %`,
      );
      said = true;
    }
    busy = await busyPercent(2000);
  }
  return busy;
}

/** Every pid of this benchmark: the harness's own tree and everything registered for clean-up. */
export function ourPids(extra: () => readonly number[]): number[] {
  return [...new Set([process.pid, ...descendants(process.pid), ...extra()])];
}

/** utime + stime (ms) and parent of every process now. */
function scan(): Map<number, { ppid: number; ms: number }> {
  return new Map(scanStats().map((stat) => [stat.pid, { ppid: stat.ppid, ms: ((stat.utime + stat.stime) * 1000) / TICKS_PER_SECOND }]));
}

/**
 * Runs `fn` and says how much CPU other work on the machine used meanwhile, in % of all CPUs:
 * the CPU time of every process that is not ours (not under the harness, not a tracked peer
 * such as a PM2 daemon, nor under one), sampled every `everyMs`. A pid once ours stays ours, so
 * a site orphaned at a stop is not taken for other work.
 */
export async function withOthersMeasured<T>(
  roots: () => readonly number[],
  fn: () => Promise<T>,
  everyMs = 500,
): Promise<{ result: T; others: number }> {
  const ours = new Set<number>();
  let last = new Map<number, number>();
  let othersMs = 0;
  let first = true;
  const started = performance.now();
  const sample = (): void => {
    const now = scan();
    const children = new Map<number, number[]>();
    for (const [pid, { ppid }] of now) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    const seen = new Set<number>();
    const queue = [process.pid, ...roots()];
    while (queue.length > 0) {
      const pid = queue.pop() ?? 0;
      if (seen.has(pid)) continue;
      seen.add(pid);
      ours.add(pid);
      queue.push(...(children.get(pid) ?? []));
    }
    const next = new Map<number, number>();
    for (const [pid, { ms }] of now) {
      next.set(pid, ms);
      if (ours.has(pid) || first) continue;
      // Kernel threads (children of kthreadd, pid 2) are the machine's own housekeeping: counted too.
      othersMs += ms - (last.get(pid) ?? 0);
    }
    last = next;
    first = false;
  };
  sample();
  const timer = setInterval(sample, everyMs);
  try {
    const result = await fn();
    sample();
    const wallMs = performance.now() - started;
    return { result, others: wallMs <= 0 ? 0 : (100 * othersMs) / (wallMs * os.availableParallelism()) };
  } finally {
    clearInterval(timer);
  }
}
