/**
 * The sockets a supervisor owns for its sites.
 *
 * The socket is bound here but never listened on or accepted from: a `net.Server` listening in
 * the supervisor's event loop would accept connections itself and steal them from the site.
 * Node's cluster module binds without listening through the internal `net._createServerHandle`;
 * so do we. The first process of the site calls `listen()` on fd 3, and from then on the kernel
 * queues connections in the backlog while no process is up, between crashes and generations.
 */
import fs from "node:fs";
import net from "node:net";
import util from "node:util";
import type { ListenAddress } from "../config/types.js";
import { formatAddress } from "../format/address.js";

interface RawHandle {
  readonly fd: number;
  getsockname?(out: { address?: string; port?: number }): number;
  close(): void;
}

type CreateServerHandle = (
  address: string | null,
  port: number,
  addressType: number,
  fd: number | undefined,
  flags: number,
) => RawHandle | number;

export interface BoundSocket {
  readonly address: ListenAddress;
  /** The address as users write it: `127.0.0.1:8001`, `[::1]:8001`, `unix:/run/alpha.sock`. */
  readonly display: string;
  readonly fd: number;
  close(): void;
}

export type BindResult =
  { readonly ok: true; readonly socket: BoundSocket } | { readonly ok: false; readonly code: string; readonly message: string };

/** Mode of a site's unix socket: owner and group (a front-end proxy in the group) may connect. */
export const UNIX_SOCKET_MODE = 0o660;

export async function bindSocket(site: string, address: ListenAddress): Promise<BindResult> {
  const create = (net as unknown as { _createServerHandle: CreateServerHandle })._createServerHandle;
  if (address.type === "unix") {
    const stale = await removeStaleUnixSocket(address.path);
    if (stale !== undefined) return failure(site, address, stale);
  }
  const handle =
    address.type === "tcp"
      ? // IPv6 hosts come validated and always hold a colon; no isIPv6(), whose pattern takes ms to compile at start-up.
        create(address.host, address.port, address.host.includes(":") ? 6 : 4, undefined, 0)
      : create(address.path, -1, -1, undefined, 0);
  if (typeof handle === "number") return failure(site, address, util.getSystemErrorName(handle));
  // libuv holds back a TCP bind's EADDRINUSE until listen() (the socket stays unbound), and it
  // would surface only when the site's process listens; getsockname() answers it now, without
  // a connection to the port (and also when the other socket is bound but not listening).
  const bound = address.type === "tcp" ? (handle.getsockname?.({}) ?? 0) : 0;
  if (bound < 0) {
    handle.close();
    return failure(site, address, util.getSystemErrorName(bound));
  }
  if (address.type === "unix") fs.chmodSync(address.path, UNIX_SOCKET_MODE);
  let closed = false;
  return {
    ok: true,
    socket: {
      address,
      display: formatAddress(address),
      fd: handle.fd,
      close() {
        if (closed) return;
        closed = true;
        handle.close();
        if (address.type === "unix") fs.rmSync(address.path, { force: true });
      },
    },
  };
}

/**
 * A socket file left by a dead process is removed; one something still accepts on is not.
 * Returns an error code when the path cannot be used.
 */
async function removeStaleUnixSocket(path: string): Promise<string | undefined> {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(path);
  } catch {
    return undefined;
  }
  if (!stat.isSocket()) return "EEXIST";
  const live = await new Promise<boolean>((resolve) => {
    const probe = net.connect({ path });
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
  if (live) return "EADDRINUSE";
  fs.rmSync(path, { force: true });
  return undefined;
}

function failure(site: string, address: ListenAddress, code: string): BindResult {
  const where = formatAddress(address);
  const advice: Record<string, string> = {
    EADDRINUSE: "another program already uses it — stop that program or choose another address",
    EACCES: "permission denied — ports below 1024 need root (or CAP_NET_BIND_SERVICE); choose a port ≥ 1024",
    EADDRNOTAVAIL: "this machine has no such address — use 127.0.0.1, ::1 or an address of one of its interfaces",
    EEXIST: "a file that is not a socket is in the way — remove it or choose another path",
    ENOENT: "its folder does not exist — create it first",
  };
  return {
    ok: false,
    code,
    message: `${site}: cannot listen on ${where}: ${code}${advice[code] ? ` — ${advice[code]}` : ""}`,
  };
}
