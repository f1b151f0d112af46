/**
 * The few libc socket calls Node has no API for, through koffi, loaded on first use (a
 * supervisor without scaled sites never loads it).
 *
 * - `listen(fd)` on a socket the supervisor bound but must never accept on: Node's own
 *   `listen()` would start accepting in the supervisor's event loop (DESIGN.md, pitfalls).
 * - `poll()` run on libuv's thread pool (koffi's `.async`), so the supervisor learns that a
 *   connection waits on an idle site's socket without accepting it and without a timer.
 * - `eventfd()` to wake that poll when the set of watched sockets changes.
 * - `accept4()` for the one case the supervisor answers a connection itself: a site that cannot
 *   start on demand, whose waiting connections get a `503` instead of hanging.
 * - netlink `sock_diag` (socket/send/recv) for accept-queue lengths and connection owners.
 */
import { createRequire } from "node:module";

export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
export const POLLIN = 0x1;
export const O_NONBLOCK = 0o4000;
const F_GETFL = 3;
const F_SETFL = 4;

interface SocketCalls {
  readonly listen: (fd: number, backlog: number) => number;
  readonly eventfd: (initval: number, flags: number) => number;
  readonly accept4: (fd: number, addr: null, len: null, flags: number) => number;
  /** `fcntl(fd, F_SETFL, flags)` / `fcntl(fd, F_GETFL)`. */
  readonly getFlags: (fd: number) => number;
  readonly setFlags: (fd: number, flags: number) => number;
  readonly close: (fd: number) => number;
  readonly socket: (domain: number, type: number, protocol: number) => number;
  readonly send: (fd: number, buf: Buffer, len: number, flags: number) => number;
  readonly recv: (fd: number, buf: Buffer, len: number, flags: number) => number;
  /** `poll(fds, nfds, timeout)` on a thread of libuv's pool; `fds` is raw `struct pollfd[]`. */
  readonly pollAsync: (fds: Buffer, nfds: number, timeout: number, done: (error: unknown, ready: number) => void) => void;
  readonly errno: () => number;
}

let loaded: SocketCalls | undefined;

export function socketCalls(): SocketCalls {
  if (loaded !== undefined) return loaded;
  // Required here, not imported at the top: a supervisor without scaled sites never loads koffi.
  const koffi = createRequire(import.meta.url)("koffi") as typeof import("koffi");
  const libc = koffi.load("libc.so.6");
  const poll = libc.func("int poll(_Inout_ uint8_t *fds, unsigned long nfds, int timeout)");
  const fcntl = libc.func("int fcntl(int fd, int cmd, ...)");
  loaded = {
    listen: libc.func("int listen(int fd, int backlog)") as SocketCalls["listen"],
    eventfd: libc.func("int eventfd(unsigned int initval, int flags)") as SocketCalls["eventfd"],
    accept4: libc.func("int accept4(int fd, void *addr, void *addrlen, int flags)") as SocketCalls["accept4"],
    getFlags: (fd) => fcntl(fd, F_GETFL) as number,
    setFlags: (fd, flags) => fcntl(fd, F_SETFL, "int", flags) as number,
    close: libc.func("int close(int fd)") as SocketCalls["close"],
    socket: libc.func("int socket(int domain, int type, int protocol)") as SocketCalls["socket"],
    send: libc.func("int send(int fd, const uint8_t *buf, unsigned long len, int flags)") as SocketCalls["send"],
    recv: libc.func("int recv(int fd, _Out_ uint8_t *buf, unsigned long len, int flags)") as SocketCalls["recv"],
    pollAsync: (fds, nfds, timeout, done) => {
      poll.async(fds, nfds, timeout, done);
    },
    errno: () => koffi.errno(),
  };
  return loaded;
}

/** Puts a bound socket in the listening state without any event loop accepting on it. */
export function listenWithoutAccepting(fd: number, backlog: number): { ok: true } | { ok: false; reason: string } {
  let calls: SocketCalls;
  try {
    calls = socketCalls();
  } catch (error) {
    // No koffi build for this platform, or no glibc: on-demand sites cannot work here.
    return { ok: false, reason: `libc cannot be loaded through koffi (${error instanceof Error ? error.message : String(error)})` };
  }
  return calls.listen(fd, backlog) === 0 ? { ok: true } : { ok: false, reason: `listen(2) failed with errno ${calls.errno()}` };
}
