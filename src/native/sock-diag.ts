/**
 * Linux `sock_diag` over netlink: what the kernel knows of a site's sockets, read without
 * touching them.
 *
 * - A listening socket's accept-queue length (`rqueue` of a LISTEN socket: the connections
 *   that wait because no process has accepted them yet), for TCP and for unix sockets alike —
 *   `/proc/net/unix` has no such column, and `/proc/net/tcp` lists every socket of the machine.
 * - The inodes of the connections accepted on a site's address, so the connections a process
 *   holds can be told from its other sockets (a Django process keeps its database's).
 *
 * The kernel answers a dump while `send` runs and as `recv` drains it, so these calls never
 * wait; on any failure they return `undefined` and the caller decides without the figure.
 */
import { socketCalls, SOCK_CLOEXEC } from "./socket-calls.js";

const AF_UNIX = 1;
const AF_INET = 2;
const AF_INET6 = 10;
const AF_NETLINK = 16;
const SOCK_DGRAM = 2;
const NETLINK_SOCK_DIAG = 4;
const SOCK_DIAG_BY_FAMILY = 20;
const NLM_F_REQUEST = 0x1;
const NLM_F_DUMP = 0x300;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const IPPROTO_TCP = 6;
const MSG_DONTWAIT = 0x40;
const UDIAG_SHOW_NAME = 0x1;
const UDIAG_SHOW_RQLEN = 0x10;
const UNIX_DIAG_NAME = 0;
const UNIX_DIAG_RQLEN = 4;

/** Kernel TCP states; unix sockets reuse LISTEN and ESTABLISHED. */
const TCP_ESTABLISHED = 1;
const TCP_LISTEN = 10;
/** Connections a server process may still be working on (not TIME_WAIT, not LISTEN). */
const CONNECTION_STATES = [1, 3, 4, 5, 8, 9, 11].reduce((mask, state) => mask | (1 << state), 0);

export interface DiagSocket {
  readonly inode: number;
  readonly state: number;
  /** Accept-queue length for a LISTEN socket; bytes unread for others. */
  readonly rqueue: number;
  /** TCP: the local port. */
  readonly localPort?: number;
  /** Unix: the bound path (accepted sockets carry the listener's). */
  readonly path?: string;
}

export type InetFamily = "ipv4" | "ipv6";

export function dumpTcp(family: InetFamily, states: "listen" | "connections"): DiagSocket[] | undefined {
  const request = Buffer.alloc(56);
  request.writeUInt8(family === "ipv4" ? AF_INET : AF_INET6, 0);
  request.writeUInt8(IPPROTO_TCP, 1);
  request.writeUInt32LE(states === "listen" ? 1 << TCP_LISTEN : CONNECTION_STATES, 4);
  // No cookie to match: the whole sockid is a wildcard for a dump.
  request.writeUInt32LE(0xffffffff, 48);
  request.writeUInt32LE(0xffffffff, 52);
  const messages = query(request);
  if (messages === undefined) return undefined;
  return messages.flatMap((body) =>
    body.length < 72
      ? []
      : [{ state: body.readUInt8(1), localPort: body.readUInt16BE(4), rqueue: body.readUInt32LE(56), inode: body.readUInt32LE(68) }],
  );
}

export function dumpUnix(states: "listen" | "connections"): DiagSocket[] | undefined {
  const request = Buffer.alloc(24);
  request.writeUInt8(AF_UNIX, 0);
  request.writeUInt32LE(1 << (states === "listen" ? TCP_LISTEN : TCP_ESTABLISHED), 4);
  request.writeUInt32LE(UDIAG_SHOW_NAME | UDIAG_SHOW_RQLEN, 12);
  request.writeUInt32LE(0xffffffff, 16);
  request.writeUInt32LE(0xffffffff, 20);
  const messages = query(request);
  if (messages === undefined) return undefined;
  return messages.flatMap((body) => {
    if (body.length < 16) return [];
    let path: string | undefined;
    let rqueue = 0;
    for (let at = 16; at + 4 <= body.length;) {
      const length = body.readUInt16LE(at);
      const type = body.readUInt16LE(at + 2);
      if (length < 4) break;
      const value = body.subarray(at + 4, at + length);
      if (type === UNIX_DIAG_NAME) path = value.toString("utf8").replace(/\0+$/, "");
      if (type === UNIX_DIAG_RQLEN && value.length >= 4) rqueue = value.readUInt32LE(0);
      at += (length + 3) & ~3;
    }
    return [{ state: body.readUInt8(2), inode: body.readUInt32LE(4), rqueue, ...(path === undefined ? {} : { path }) }];
  });
}

/** Sends one dump request and collects the bodies of its answers. */
function query(request: Buffer): Buffer[] | undefined {
  const calls = socketCalls();
  const fd = calls.socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) return undefined;
  try {
    const header = Buffer.alloc(16);
    header.writeUInt32LE(16 + request.length, 0);
    header.writeUInt16LE(SOCK_DIAG_BY_FAMILY, 4);
    header.writeUInt16LE(NLM_F_REQUEST | NLM_F_DUMP, 6);
    header.writeUInt32LE(1, 8);
    const message = Buffer.concat([header, request]);
    if (calls.send(fd, message, 0) !== message.length) return undefined;
    const bodies: Buffer[] = [];
    const buffer = Buffer.alloc(64 * 1024);
    for (;;) {
      const got = calls.recv(fd, buffer, MSG_DONTWAIT);
      if (got <= 0) return undefined;
      for (let at = 0; at + 16 <= got;) {
        const length = buffer.readUInt32LE(at);
        const type = buffer.readUInt16LE(at + 4);
        if (length < 16 || at + length > got) return undefined;
        if (type === NLMSG_DONE) return bodies;
        if (type === NLMSG_ERROR) return undefined;
        bodies.push(Buffer.from(buffer.subarray(at + 16, at + length)));
        at += (length + 3) & ~3;
      }
    }
  } finally {
    calls.close(fd);
  }
}
