/**
 * How loaded a site's listening socket is, read from the kernel without touching the socket:
 * the connections waiting in its accept queue, and the inodes of those accepted on its address
 * (which process holds which is `supervisor/process-connections.ts`).
 */
import fs from "node:fs";
import net from "node:net";
import { dumpTcp, dumpUnix, type DiagSocket } from "../native/sock-diag.js";
import type { BoundSocket } from "./bind.js";

/** Connections waiting to be accepted; undefined when the kernel would not say. */
export function acceptQueueLength(socket: BoundSocket): number | undefined {
  const inode = socketInode(socket);
  if (inode === undefined) return undefined;
  const listening = dump(socket, "listen");
  return listening?.find((entry) => entry.inode === inode)?.rqueue;
}

/** Inodes of the server side of every connection accepted on the socket's address. */
export function connectionInodes(socket: BoundSocket): ReadonlySet<number> | undefined {
  const connections = dump(socket, "connections");
  if (connections === undefined) return undefined;
  const address = socket.address;
  const ours =
    address.type === "tcp"
      ? connections.filter((entry) => entry.localPort === address.port)
      : connections.filter((entry) => entry.path === address.path);
  // An inode of 0 is a connection still in the accept queue: nobody holds it yet.
  return new Set(ours.flatMap((entry) => (entry.inode === 0 ? [] : [entry.inode])));
}

function dump(socket: BoundSocket, states: "listen" | "connections"): DiagSocket[] | undefined {
  const address = socket.address;
  if (address.type === "unix") return dumpUnix(states);
  return dumpTcp(net.isIPv6(address.host) ? "ipv6" : "ipv4", states);
}

function socketInode(socket: BoundSocket): number | undefined {
  try {
    return fs.fstatSync(socket.fd).ino;
  } catch {
    return undefined;
  }
}
