/**
 * The socket calls of on-demand sites, over the one libc loader (`libc.ts`): a supervisor without
 * scaled sites never loads it.
 *
 * - `listen(fd)` on a socket the supervisor bound but must never accept on: Node's own
 *   `listen()` would start accepting in the supervisor's event loop (DESIGN.md, pitfalls).
 * - `poll()` run on libuv's thread pool, so the supervisor learns that a connection waits on an
 *   idle site's socket without accepting it and without a timer; `eventfd()` wakes that poll.
 * - `accept4()` for the one case the supervisor answers a connection itself: a site that cannot
 *   start on demand, whose waiting connections get a `503` instead of hanging.
 * - netlink `sock_diag` (socket/send/recv) for accept-queue lengths and connection owners.
 *
 * Failures come back as -1 (the errno with `errno()`), as the callers loop on them like C does.
 */
import { libc, type Libc, type LibcCall } from "./libc.js";

export { SOCK_CLOEXEC, SOCK_NONBLOCK } from "./libc.js";
export const POLLIN = 0x1;
export const O_NONBLOCK = 0o4000;

interface SocketCalls {
  readonly listen: (fd: number, backlog: number) => number;
  readonly eventfd: (initval: number, flags: number) => number;
  readonly accept4: (fd: number, flags: number) => number;
  readonly getFlags: (fd: number) => number;
  readonly setFlags: (fd: number, flags: number) => number;
  readonly close: (fd: number) => number;
  readonly socket: (domain: number, type: number, protocol: number) => number;
  readonly send: (fd: number, buf: Buffer, flags: number) => number;
  readonly recv: (fd: number, buf: Buffer, flags: number) => number;
  readonly pollAsync: Libc["pollAsync"];
  /** The errno of the last call that returned -1. */
  readonly errno: () => number;
}

let adapted: SocketCalls | undefined;

/** Throws with the reason when libc cannot be loaded (callers reach it only after `listen` worked). */
export function socketCalls(): SocketCalls {
  if (adapted !== undefined) return adapted;
  const loaded = libc();
  if (!loaded.ok) throw new Error(loaded.reason);
  const c = loaded.libc;
  let errno = 0;
  const n = (result: LibcCall<number>): number => {
    if (result.ok) return result.value;
    errno = result.errno;
    return -1;
  };
  adapted = {
    listen: (fd, backlog) => n(c.listen(fd, backlog)),
    eventfd: (initval, flags) => n(c.eventfd(initval, flags)),
    accept4: (fd, flags) => n(c.accept4(fd, flags)),
    getFlags: (fd) => n(c.getFlags(fd)),
    setFlags: (fd, flags) => n(c.setFlags(fd, flags)),
    close: (fd) => n(c.close(fd)),
    socket: (domain, type, protocol) => n(c.socket(domain, type, protocol)),
    send: (fd, buf, flags) => n(c.send(fd, buf, flags)),
    recv: (fd, buf, flags) => n(c.recv(fd, buf, flags)),
    pollAsync: (fds, nfds, timeout, done) => c.pollAsync(fds, nfds, timeout, done),
    errno: () => errno,
  };
  return adapted;
}

/** Puts a bound socket in the listening state without any event loop accepting on it. */
export function listenWithoutAccepting(fd: number, backlog: number): { ok: true } | { ok: false; reason: string } {
  const loaded = libc();
  // No koffi build for this platform, or no glibc: on-demand sites cannot work here.
  if (!loaded.ok) return { ok: false, reason: loaded.reason };
  const result = loaded.libc.listen(fd, backlog);
  return result.ok ? { ok: true } : { ok: false, reason: `listen(2) failed with errno ${result.errno}` };
}
