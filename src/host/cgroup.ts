/**
 * cgroup v2, the parts tsgi uses: finding the hierarchy and the supervisor's place in it,
 * making the supervisor's subtree, enabling controllers, and reading and ending a cgroup.
 *
 * Layout: `PARENT/tsgi-PID/SITE/pN-gG` — one cgroup per site (its `limits` apply there, and
 * status reads its memory and CPU), one leaf per process of the site (so a reload's new
 * generation survives the stop of the old one). PARENT is the supervisor's own cgroup (a
 * systemd unit with `Delegate=yes`), or `TSGI_CGROUP=/path` under the v2 mount.
 */
import fs from "node:fs";
import path from "node:path";

export type CgroupResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

export const WANTED_CONTROLLERS = ["memory", "cpu", "pids"] as const;
export type Controller = (typeof WANTED_CONTROLLERS)[number];

/** Mount point of the cgroup v2 hierarchy (`/sys/fs/cgroup`, or `/sys/fs/cgroup/unified` on hybrid hosts). */
export function cgroup2Mount(mountinfo = readOr("/proc/self/mountinfo", "")): string | undefined {
  for (const line of mountinfo.split("\n")) {
    // "36 25 0:31 / /sys/fs/cgroup/unified rw,… - cgroup2 cgroup2 rw"
    const [left, right] = line.split(" - ");
    if (right?.split(" ")[0] !== "cgroup2") continue;
    const mountPoint = left?.split(" ")[4];
    if (mountPoint !== undefined) return mountPoint.replace(/\\040/g, " ");
  }
  return undefined;
}

/** The supervisor's own cgroup, relative to the v2 root (`/system.slice/tsgi.service`). */
export function ownCgroup(cgroupFile = readOr("/proc/self/cgroup", "")): string | undefined {
  for (const line of cgroupFile.split("\n")) if (line.startsWith("0::")) return line.slice(3);
  return undefined;
}

export function controllersOf(dir: string): Set<string> {
  return new Set(readOr(path.join(dir, "cgroup.controllers"), "").trim().split(/\s+/).filter(Boolean));
}

/** Enables each wanted controller the cgroup has for its children; the ones it could not, kept out. */
export function enableControllers(dir: string, wanted: readonly string[]): Set<string> {
  const available = controllersOf(dir);
  for (const name of wanted) {
    if (!available.has(name)) continue;
    try {
      fs.writeFileSync(path.join(dir, "cgroup.subtree_control"), `+${name}`);
    } catch {
      // busy (processes in an inner cgroup) or not delegated: reported as missing by the caller
    }
  }
  return new Set(readOr(path.join(dir, "cgroup.subtree_control"), "").trim().split(/\s+/).filter(Boolean));
}

export function makeCgroup(dir: string): CgroupResult<string> {
  try {
    fs.mkdirSync(dir, { recursive: true });
    return { ok: true, value: dir };
  } catch (error) {
    return { ok: false, reason: `cannot create the cgroup ${dir} (${errorCode(error)})` };
  }
}

/** Moves a process into the cgroup. */
export function joinCgroup(dir: string, pid: number): boolean {
  try {
    fs.writeFileSync(path.join(dir, "cgroup.procs"), String(pid));
    return true;
  } catch {
    return false;
  }
}

export function cgroupProcs(dir: string): number[] {
  return readOr(path.join(dir, "cgroup.procs"), "").split("\n").filter(Boolean).map(Number);
}

/** Every process of the cgroup and its descendants, ended at once (`cgroup.kill`, or SIGKILL one by one on kernels before 5.14). */
export function killCgroup(dir: string): void {
  try {
    fs.writeFileSync(path.join(dir, "cgroup.kill"), "1");
    return;
  } catch {
    // no cgroup.kill: the slow way below
  }
  for (const child of subdirs(dir)) killCgroup(child);
  for (const pid of cgroupProcs(dir)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** Removes the cgroup and its children once they are empty; false while some still hold processes. */
export function removeCgroup(dir: string): boolean {
  for (const child of subdirs(dir)) removeCgroup(child);
  try {
    fs.rmdirSync(dir);
    return true;
  } catch (error) {
    return errorCode(error) === "ENOENT";
  }
}

/**
 * Removes the cgroup once its last process is gone: SIGKILLed processes take a moment to
 * leave, and an rmdir before that fails. Gives up after `timeoutMs` (the cgroup stays).
 */
export async function removeCgroupWhenEmpty(dir: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (removeCgroup(dir)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface CgroupUsage {
  /** `memory.current`, where the memory controller is on. */
  readonly memoryBytes: number | undefined;
  /** `usage_usec` of `cpu.stat` (always there in v2). */
  readonly cpuUsec: number | undefined;
  /** `oom_kill` of `memory.events`: processes the memory limit killed. */
  readonly oomKills: number | undefined;
}

export function cgroupUsage(dir: string): CgroupUsage {
  const memory = readOr(path.join(dir, "memory.current"), "").trim();
  const cpu = /usage_usec (\d+)/.exec(readOr(path.join(dir, "cpu.stat"), ""));
  const oom = /oom_kill (\d+)/.exec(readOr(path.join(dir, "memory.events"), ""));
  return {
    memoryBytes: memory === "" ? undefined : Number(memory),
    cpuUsec: cpu?.[1] === undefined ? undefined : Number(cpu[1]),
    oomKills: oom?.[1] === undefined ? undefined : Number(oom[1]),
  };
}

export function writeCgroupFile(dir: string, file: string, value: string): CgroupResult<void> {
  try {
    fs.writeFileSync(path.join(dir, file), value);
    return { ok: true, value: undefined };
  } catch (error) {
    return { ok: false, reason: `cannot write ${value} to ${path.join(dir, file)} (${errorCode(error)})` };
  }
}

function subdirs(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => path.join(dir, entry.name));
  } catch {
    return [];
  }
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return fallback;
  }
}

function errorCode(error: unknown): string {
  return typeof error === "object" && error !== null && typeof (error as { code?: unknown }).code === "string"
    ? (error as { code: string }).code
    : String(error);
}
