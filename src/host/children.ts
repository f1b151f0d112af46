/**
 * The supervisor's direct children as the kernel sees them, and each one's state.
 *
 * `/proc/self/task/TID/children` lists every child per thread (an orphan re-parented to a
 * subreaper may land on any of its threads). Where the kernel lacks that file
 * (CONFIG_PROC_CHILDREN), one scan of /proc by parent pid gives the same list.
 */
import fs from "node:fs";
import { readStat, scanStats, type ProcStat } from "../process/proc-stat.js";

/** A process as /proc/PID/stat shows it (pid, state, ppid, pgid, sid…). */
export type ProcInfo = ProcStat;

/** /proc/PID/stat, or undefined when the process is gone. */
export const procInfo = readStat;

/** Every live process on the machine (one /proc scan). */
export const allProcesses = scanStats;

/** Pids of the supervisor's direct children. */
export function childPids(): number[] {
  let tasks: string[];
  try {
    tasks = fs.readdirSync("/proc/self/task");
  } catch {
    tasks = [];
  }
  const pids: number[] = [];
  let readAny = false;
  for (const task of tasks) {
    try {
      const text = fs.readFileSync(`/proc/self/task/${task}/children`, "utf8");
      readAny = true;
      for (const word of text.split(" ")) if (word !== "" && word !== "\n") pids.push(Number(word));
    } catch {
      // a thread that ended, or no children file in this kernel
    }
  }
  if (readAny) return pids.filter((pid) => Number.isInteger(pid) && pid > 0);
  return allProcesses()
    .filter((info) => info.ppid === process.pid)
    .map((info) => info.pid);
}

/** The variables of a process's environment (empty when unreadable: another user, or gone). */
export function processEnv(pid: number): Map<string, string> {
  const env = new Map<string, string>();
  try {
    for (const entry of fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0")) {
      const eq = entry.indexOf("=");
      if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1));
    }
  } catch {
    // gone or not ours to read
  }
  return env;
}
