/**
 * Which of a site's processes hold connections accepted on its socket: each process's open
 * fds (`/proc/PID/fd` → `socket:[INODE]`) against the inodes of the site's connections. A
 * process and its descendants count as one (a gunicorn master and its workers); sockets they
 * hold to anything else (a database) are not the site's connections and do not count.
 *
 * Descendants come from `/proc/PID/task/TID/children`, not from a scan of every process on the
 * machine: this runs every few seconds for each scaled site that has processes beyond `min`.
 */
import fs from "node:fs/promises";

/** pid → connections held by it and its descendants. */
export async function connectionsByProcess(pids: readonly number[], inodes: ReadonlySet<number>): Promise<Map<number, number>> {
  const counts = new Map(pids.map((pid) => [pid, 0]));
  if (inodes.size === 0) return counts;
  await Promise.all(
    pids.map(async (pid) => {
      let held = 0;
      for (const member of await family(pid)) held += await heldBy(member, inodes);
      counts.set(pid, held);
    }),
  );
  return counts;
}

/** `pid` and its descendants (up to 1024), breadth first. */
export async function family(pid: number): Promise<number[]> {
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0 && out.length < 1024) {
    const next = queue.shift() ?? pid;
    out.push(next);
    let tasks: string[];
    try {
      tasks = await fs.readdir(`/proc/${next}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      try {
        const text = await fs.readFile(`/proc/${next}/task/${task}/children`, "utf8");
        for (const child of text.trim().split(/\s+/)) if (child !== "") queue.push(Number(child));
      } catch {
        // the thread ended meanwhile
      }
    }
  }
  return out;
}

/** How many of the sockets `inodes` the process has open. */
export async function heldBy(pid: number, inodes: ReadonlySet<number>): Promise<number> {
  let fds: string[];
  try {
    fds = await fs.readdir(`/proc/${pid}/fd`);
  } catch {
    return 0;
  }
  let held = 0;
  for (const fd of fds) {
    try {
      const link = await fs.readlink(`/proc/${pid}/fd/${fd}`);
      if (link.startsWith("socket:[") && inodes.has(Number(link.slice(8, -1)))) held += 1;
    } catch {
      // closed meanwhile
    }
  }
  return held;
}
