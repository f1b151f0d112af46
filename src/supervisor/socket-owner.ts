/**
 * Which process accepted a connection? During a reload the old and the new generation accept
 * on the same socket, so an HTTP readiness probe proves nothing unless the new generation is
 * the one that answered. Linux tells: the server side of the probe's connection is a socket
 * inode in /proc/net/tcp{,6}, and that inode is an open fd of exactly one process.
 *
 * For unix sockets no such pairing is exposed cheaply; a probe there counts whoever answers,
 * which is why `ready: {log}` is the rule to prefer for unix-socket `command` sites.
 */
import fs from "node:fs/promises";
import { groupMembers } from "../process/proc-stat.js";

/**
 * Who holds the server side of the connection `clientPort → serverPort`: a process of group
 * `pgid`, another process, or nobody yet (still in the accept queue, where it has no inode).
 */
export async function connectionOwner(serverPort: number, clientPort: number, pgid: number): Promise<"group" | "other" | "pending"> {
  const inode = await serverSideInode(serverPort, clientPort);
  if (inode === undefined || inode === "0") return "pending";
  // Usually the leader itself accepted: look there before scanning every process for the group.
  if (await hasSocket(pgid, inode)) return "group";
  for (const pid of groupMembers(pgid)) {
    if (await hasSocket(pid, inode)) return "group";
  }
  return "other";
}

async function serverSideInode(serverPort: number, clientPort: number): Promise<string | undefined> {
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = await fs.readFile(table, "utf8");
    } catch {
      continue;
    }
    for (const row of text.split("\n").slice(1)) {
      const fields = row.trim().split(/\s+/);
      const local = fields[1];
      const remote = fields[2];
      if (local === undefined || remote === undefined) continue;
      if (portOf(local) === serverPort && portOf(remote) === clientPort) return fields[9];
    }
  }
  return undefined;
}

function portOf(hexAddress: string): number {
  return Number.parseInt(hexAddress.slice(hexAddress.lastIndexOf(":") + 1), 16);
}

async function hasSocket(pid: number, inode: string): Promise<boolean> {
  let fds: string[];
  try {
    fds = await fs.readdir(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      if ((await fs.readlink(`/proc/${pid}/fd/${fd}`)) === `socket:[${inode}]`) return true;
    } catch {
      // fd closed meanwhile
    }
  }
  return false;
}
