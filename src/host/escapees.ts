/**
 * Without cgroups: the processes a site process started that left its process group (`setsid`,
 * a daemon's double fork). While their parent lives they are its descendants; once it dies the
 * supervisor, their subreaper, inherits them, and the variables every site process is given
 * (TSGI_SITE, TSGI_PROCESS, TSGI_GENERATION) — or their old group id — say whose they were.
 */
import { allProcesses, processEnv, type ProcInfo } from "./children.js";
import { ownChildPids } from "./own-children.js";

export interface ProcessMark {
  readonly site: string;
  readonly index: number;
  readonly generation: number;
}

/** Live processes descended from `leader`, or orphans marked as its own, that are outside its group. */
export function findEscapees(mark: ProcessMark, leader: number, processes: readonly ProcInfo[] = allProcesses()): number[] {
  const byParent = new Map<number, ProcInfo[]>();
  for (const info of processes) {
    const siblings = byParent.get(info.ppid);
    if (siblings === undefined) byParent.set(info.ppid, [info]);
    else siblings.push(info);
  }
  const own = ownChildPids();
  const roots: ProcInfo[] = [];
  for (const child of byParent.get(process.pid) ?? []) {
    if (child.pid === leader || own.has(child.pid) || child.state === "Z") continue;
    if (child.pgid === leader || isMarked(child.pid, mark)) roots.push(child);
  }
  const found: number[] = [];
  const seen = new Set<number>();
  const walk = (info: ProcInfo): void => {
    if (seen.has(info.pid)) return;
    seen.add(info.pid);
    if (info.pgid !== leader && info.state !== "Z") found.push(info.pid);
    for (const child of byParent.get(info.pid) ?? []) walk(child);
  };
  for (const child of byParent.get(leader) ?? []) walk(child);
  for (const root of roots) walk(root);
  return found;
}

function isMarked(pid: number, mark: ProcessMark): boolean {
  const env = processEnv(pid);
  return (
    env.get("TSGI_SITE") === mark.site &&
    env.get("TSGI_PROCESS") === String(mark.index) &&
    env.get("TSGI_GENERATION") === String(mark.generation)
  );
}
