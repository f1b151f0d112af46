/**
 * Which of a site's processes hold connections accepted on its socket: each process's open
 * fds (`/proc/PID/fd` → `socket:[INODE]`) against the inodes of the site's connections. A
 * process group counts as one (a gunicorn master and its workers); sockets it holds to anything
 * else (a database) are not the site's connections and do not count.
 */
import fs from "node:fs/promises";
import { processGroups } from "../process/proc-stat.js";

/** pgid → connections held by any member of that group. One scan of /proc for all of them. */
export async function connectionsByGroup(pgids: readonly number[], inodes: ReadonlySet<number>): Promise<Map<number, number>> {
  const counts = new Map(pgids.map((pgid) => [pgid, 0]));
  if (inodes.size === 0 || pgids.length === 0) return counts;
  const groups = await processGroups();
  await Promise.all(
    pgids.map(async (pgid) => {
      let held = 0;
      for (const pid of groups.get(pgid) ?? []) held += await heldBy(pid, inodes);
      counts.set(pgid, held);
    }),
  );
  return counts;
}

async function heldBy(pid: number, inodes: ReadonlySet<number>): Promise<number> {
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
