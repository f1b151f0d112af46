/**
 * A process's identity as Linux sees it: pid plus start time (clock ticks since boot, field 22
 * of /proc/PID/stat). A pid can be reused; the pair cannot — so clean-up code that finds a pid
 * in a file signals it only when the start time still matches.
 */
import fs from "node:fs";

export function processStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count from the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] === "Z") return undefined;
    return fields[19];
  } catch {
    return undefined;
  }
}

/** True when `pid` is alive and is the very process that had `startTime`. */
export function sameProcess(pid: number, startTime: string): boolean {
  return processStartTime(pid) === startTime;
}
