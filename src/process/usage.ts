/**
 * Memory and CPU of processes, read from /proc.
 *
 * Replaces pidusage: it keeps each process's /proc/PID/stat open between samples (up to a
 * minute after the process is gone), and a supervisor that starts and ends many processes
 * would hold those fds. Here every read opens and closes its file, and the CPU history is
 * pruned as processes end.
 */
import { readFileSync } from "node:fs";
import { readRssBytes, readStat, TICKS_PER_SECOND } from "./proc-stat.js";

export interface Usage {
  readonly memoryBytes: number;
  /** Percent of one CPU since the previous sample of this process (or since it started). */
  readonly cpuPercent: number;
  /** CPU time (user + system) since the process started, in seconds. */
  readonly cpuSeconds: number;
}

interface Sample {
  readonly startTime: string;
  readonly ticks: number;
  readonly at: number;
}

export class UsageSampler {
  readonly #history = new Map<number, Sample>();

  // Async for its callers (a throw reaches them as a rejection) though every read in it is synchronous.
  // eslint-disable-next-line @typescript-eslint/require-await
  async sample(pids: readonly number[]): Promise<Map<number, Usage>> {
    const out = new Map<number, Usage>();
    // Synchronous reads: /proc is in memory, and one pass over 200 processes costs a tenth of the
    // CPU that a promise per file does (see processGroups).
    const uptime = readUptime();
    for (const pid of pids) {
      const usage = this.#one(pid, uptime);
      if (usage !== undefined) out.set(pid, usage);
    }
    // Forget processes not asked about for a while (ended, or of a removed site).
    const stale = Date.now() - 10 * 60_000;
    for (const [pid, sample] of this.#history) if (sample.at < stale) this.#history.delete(pid);
    return out;
  }

  #one(pid: number, uptime: number | undefined): Usage | undefined {
    const stat = readStat(pid);
    const memoryBytes = readRssBytes(pid);
    if (stat === undefined || memoryBytes === undefined) {
      this.#history.delete(pid);
      return undefined;
    }
    const ticks = stat.utime + stat.stime;
    const startTime = stat.startTime;
    const now = Date.now();
    const previous = this.#history.get(pid);
    this.#history.set(pid, { startTime, ticks, at: now });
    let cpuPercent = 0;
    if (previous !== undefined && previous.startTime === startTime && now > previous.at) {
      cpuPercent = (((ticks - previous.ticks) / TICKS_PER_SECOND) * 1000 * 100) / (now - previous.at);
    } else if (uptime !== undefined) {
      const ranSeconds = uptime - Number(startTime) / TICKS_PER_SECOND;
      cpuPercent = ranSeconds > 0 ? ((ticks / TICKS_PER_SECOND) * 100) / ranSeconds : 0;
    }
    return { memoryBytes, cpuPercent: Math.max(0, cpuPercent), cpuSeconds: ticks / TICKS_PER_SECOND };
  }
}

function readUptime(): number | undefined {
  try {
    return Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]);
  } catch {
    return undefined;
  }
}
