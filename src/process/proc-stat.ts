/**
 * The one reader of `/proc/PID/stat` (and `statm`), for the supervisor, the tests, the
 * benchmarks and the chaos run alike. Linux only, like tsgi.
 *
 * A process's identity is pid plus start time (clock ticks since boot, field 22): a pid can be
 * reused, the pair cannot — so clean-up code that finds a pid in a file signals it only when
 * the start time still matches.
 */
import fs from "node:fs";

/** Clock ticks per second of /proc's CPU and start times (USER_HZ): 100 on every Linux build in use. */
export const TICKS_PER_SECOND = 100;
/** Page size of `statm` counts on the machines tsgi runs on (x86-64, arm64 with 4 KiB pages). */
export const PAGE_SIZE = 4096;

export interface ProcStat {
  readonly pid: number;
  /** R, S, D, T, Z … — `Z` is a zombie: ended, not yet reaped. */
  readonly state: string;
  readonly ppid: number;
  readonly pgid: number;
  /** Session id. */
  readonly sid: number;
  /** User and system CPU time, and those of reaped children, in clock ticks. */
  readonly utime: number;
  readonly stime: number;
  readonly cutime: number;
  readonly cstime: number;
  /** Clock ticks since boot; kept as text, since it is compared, not computed with. */
  readonly startTime: string;
}

/** One `/proc/PID/stat` line, or undefined when it is not one. */
export function parseStat(text: string): ProcStat | undefined {
  const open = text.indexOf(" (");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return undefined;
  // The command name (field 2) may hold spaces and parentheses: count from the last ")".
  const fields = text.slice(close + 2).split(" ");
  const startTime = fields[19];
  if (startTime === undefined) return undefined;
  const number = (index: number): number => Number(fields[index]);
  return {
    pid: Number(text.slice(0, open)),
    state: fields[0] ?? "",
    ppid: number(1),
    pgid: number(2),
    sid: number(3),
    utime: number(11),
    stime: number(12),
    cutime: number(13),
    cstime: number(14),
    startTime,
  };
}

/** The stat of `pid`, or undefined when there is no such process. */
export function readStat(pid: number): ProcStat | undefined {
  try {
    return parseStat(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return undefined;
  }
}

const PID_ENTRY = /^\d+$/;

/** Every process on the machine now (those that end while we look are left out). */
export function scanStats(): ProcStat[] {
  let entries: string[];
  try {
    entries = fs.readdirSync("/proc");
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    if (!PID_ENTRY.test(entry)) return [];
    const stat = readStat(Number(entry));
    return stat === undefined ? [] : [stat];
  });
}

/** Alive and not a zombie: a zombie holds no memory and no socket. */
export function isAlive(pid: number): boolean {
  const stat = readStat(pid);
  return stat !== undefined && stat.state !== "Z";
}

/** The start time of a live (non-zombie) `pid`, undefined otherwise. */
export function processStartTime(pid: number): string | undefined {
  const stat = readStat(pid);
  return stat === undefined || stat.state === "Z" ? undefined : stat.startTime;
}

/** True when `pid` is alive and is the very process that had `startTime`. */
export function sameProcess(pid: number, startTime: string): boolean {
  return processStartTime(pid) === startTime;
}

/** Resident size of `pid` in bytes (from `statm`), undefined when it is gone. */
export function readRssBytes(pid: number): number | undefined {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/statm`, "utf8").split(" ")[1] ?? 0) * PAGE_SIZE;
  } catch {
    return undefined;
  }
}

/**
 * Every process group on the machine: pgid → its member pids. One scan of /proc, read
 * synchronously: /proc files are made in memory on read, and for a few hundred of them one
 * synchronous pass costs ~2 ms of CPU where promise-per-file reads cost ~25 ms (measured with
 * 340 processes) — what the dashboard's sampling of 200 sites pays every few seconds.
 */
export function processGroups(): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (const stat of scanStats()) {
    const members = groups.get(stat.pgid);
    if (members === undefined) groups.set(stat.pgid, [stat.pid]);
    else members.push(stat.pid);
  }
  return groups;
}

/** Pids of every process in the group `pgid` (the leader and all it started). */
export function groupMembers(pgid: number): number[] {
  return processGroups().get(pgid) ?? [];
}

/** Resident size of a whole process group in bytes (a gunicorn master and its worker together). */
export function groupRss(pgid: number): number {
  let total = 0;
  for (const pid of groupMembers(pgid)) total += readRssBytes(pid) ?? 0;
  return total;
}

/**
 * True while a process of group `pgid` is alive and not a zombie. `kill(-pgid, 0)` alone also
 * counts zombies — children the group left behind that init has not reaped yet (on some
 * machines for a second or two) — and a stop would wait on them for nothing.
 */
export function groupHasLiveMembers(pgid: number): boolean {
  let entries: string[];
  try {
    entries = fs.readdirSync("/proc");
  } catch {
    return true;
  }
  // Called every few ms while a stop waits: stop at the first live member.
  return entries.some((entry) => {
    if (!PID_ENTRY.test(entry)) return false;
    const stat = readStat(Number(entry));
    return stat !== undefined && stat.pgid === pgid && stat.state !== "Z";
  });
}
