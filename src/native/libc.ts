/**
 * The few libc calls Node does not offer, through koffi — the one place tsgi loads libc.
 *
 * Why an FFI call and not a helper process: `prctl` acts on the calling process itself, so it
 * cannot be delegated; `waitpid` must run in the supervisor, which is the parent; and the
 * systemd notify protocol checks that a datagram comes from the main pid (a `systemd-notify`
 * child is refused without `NotifyAccess=all`). koffi is a maintained, prebuilt FFI package
 * (no compiler at install), and each call here is a plain synchronous libc call that returns
 * at once.
 *
 * Loaded lazily on first use, so commands that never need it (check, export, status) never
 * pay for it. Where it cannot be loaded (no prebuilt binary for the platform, not Linux/glibc)
 * `libc()` returns a failure value with the reason; callers warn once and keep the old
 * behaviour. Every function returns a failure value with errno instead of throwing.
 */
import { createRequire } from "node:module";
import type { LibraryHandle } from "koffi";

type KoffiFunction = ReturnType<LibraryHandle["func"]>;

export type LibcCall<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errno: number; readonly call: string };

export interface Libc {
  /** `prctl(option, arg2, 0, 0, 0)`. */
  prctl(option: number, arg2: number): LibcCall<number>;
  /** `waitpid(pid, &status, options)`: the pid reaped (0 with WNOHANG when none) and its raw status. */
  waitpid(pid: number, options: number): LibcCall<{ pid: number; status: number }>;
  /** `socket(domain, type, protocol)`: a new file descriptor. */
  socket(domain: number, type: number, protocol: number): LibcCall<number>;
  /** `bind(fd, addr, addr.length)`. */
  bind(fd: number, address: Buffer): LibcCall<number>;
  /** `sendto(fd, data, data.length, flags, addr, addr.length)`: bytes sent. */
  sendto(fd: number, data: Buffer, flags: number, address: Buffer): LibcCall<number>;
  /** `recv(fd, buffer, buffer.length, flags)`: bytes received. */
  recv(fd: number, buffer: Buffer, flags: number): LibcCall<number>;
  close(fd: number): LibcCall<number>;
  /** `listen(fd, backlog)` on a bound socket no event loop accepts on (on-demand sites). */
  listen(fd: number, backlog: number): LibcCall<number>;
  /** `accept4(fd, NULL, NULL, flags)`: the accepted connection's fd. */
  accept4(fd: number, flags: number): LibcCall<number>;
  /** `eventfd(initval, flags)`. */
  eventfd(initval: number, flags: number): LibcCall<number>;
  /** `fcntl(fd, F_GETFL)` / `fcntl(fd, F_SETFL, flags)`. */
  getFlags(fd: number): LibcCall<number>;
  setFlags(fd: number, flags: number): LibcCall<number>;
  /** `send(fd, data, data.length, flags)`: bytes sent. */
  send(fd: number, data: Buffer, flags: number): LibcCall<number>;
  /**
   * `malloc_trim(0)`: glibc gives the free pages inside its heaps back to the kernel (free
   * returns only the top of a heap by itself). 1 when it released memory, 0 when none.
   */
  mallocTrim(): LibcCall<number>;
  /**
   * `poll(fds, nfds, timeout)` on a thread of libuv's pool (koffi's `.async`): `fds` is raw
   * `struct pollfd[]`, filled in when `done` runs. The one blocking call here, never on the loop.
   */
  pollAsync(fds: Buffer, nfds: number, timeout: number, done: (ready: number) => void): void;
}

export type LibcLoad = { readonly ok: true; readonly libc: Libc } | { readonly ok: false; readonly reason: string };

/** Linux constants used by the callers (the same on x86_64 and aarch64). */
export const PR_SET_PDEATHSIG = 1;
export const PR_SET_CHILD_SUBREAPER = 36;
export const WNOHANG = 1;
export const AF_UNIX = 1;
export const SOCK_DGRAM = 2;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
export const MSG_DONTWAIT = 0x40;
export const MSG_NOSIGNAL = 0x4000;
export const EAGAIN = 11;
const F_GETFL = 3;
const F_SETFL = 4;
export const ECHILD = 10;
/** The call does not exist in this libc. */
export const ENOSYS = 38;

let loaded: LibcLoad | undefined;

/** libc, loaded on the first call; the same value (or the same failure) afterwards. */
export function libc(): LibcLoad {
  loaded ??= load();
  return loaded;
}

/**
 * libc only if something loaded it already (the subreaper, PID 1's reaper, systemd's notify
 * socket, an on-demand site's socket): for a call worth less than loading koffi for it alone.
 */
export function libcIfLoaded(): Libc | undefined {
  return loaded?.ok === true ? loaded.libc : undefined;
}

function load(): LibcLoad {
  if (process.platform !== "linux") return { ok: false, reason: `libc calls are Linux-only (this is ${process.platform})` };
  let koffi: typeof import("koffi");
  try {
    koffi = requireKoffi(createRequire(import.meta.url));
  } catch (error) {
    return { ok: false, reason: `the koffi package cannot be loaded (${describe(error)})` };
  }
  try {
    const lib = koffi.load("libc.so.6");
    const prctl = lib.func("int prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5)");
    const waitpid = lib.func("int waitpid(int pid, _Out_ int *status, int options)");
    const socket = lib.func("int socket(int domain, int type, int protocol)");
    const bind = lib.func("int bind(int fd, const void *addr, uint32_t len)");
    const sendto = lib.func("intptr_t sendto(int fd, const void *buf, size_t len, int flags, const void *addr, uint32_t len)");
    const recv = lib.func("intptr_t recv(int fd, _Out_ void *buf, size_t len, int flags)");
    const close = lib.func("int close(int fd)");
    const listen = lib.func("int listen(int fd, int backlog)");
    const accept4 = lib.func("int accept4(int fd, void *addr, void *addrlen, int flags)");
    const eventfd = lib.func("int eventfd(unsigned int initval, int flags)");
    const fcntl = lib.func("int fcntl(int fd, int cmd, ...)");
    const send = lib.func("intptr_t send(int fd, const void *buf, size_t len, int flags)");
    const poll = lib.func("int poll(_Inout_ uint8_t *fds, unsigned long nfds, int timeout)");
    // glibc's own: a libc without it still gives every other call here.
    let mallocTrim: KoffiFunction | undefined;
    try {
      mallocTrim = lib.func("int malloc_trim(size_t pad)");
    } catch {
      mallocTrim = undefined;
    }
    const call = <T>(name: string, fn: KoffiFunction, args: unknown[], value: (result: number) => T): LibcCall<T> => {
      const result = Number(fn(...args));
      if (result < 0) return { ok: false, errno: koffi.errno(), call: name };
      return { ok: true, value: value(result) };
    };
    const same = (result: number): number => result;
    return {
      ok: true,
      libc: {
        prctl: (option, arg2) => call("prctl", prctl, [option, arg2, 0, 0, 0], same),
        waitpid: (pid, options) => {
          const status = [0];
          return call("waitpid", waitpid, [pid, status, options], (reaped) => ({ pid: reaped, status: status[0] ?? 0 }));
        },
        socket: (domain, type, protocol) => call("socket", socket, [domain, type, protocol], same),
        bind: (fd, address) => call("bind", bind, [fd, address, address.length], same),
        sendto: (fd, data, flags, address) => call("sendto", sendto, [fd, data, data.length, flags, address, address.length], same),
        recv: (fd, buffer, flags) => call("recv", recv, [fd, buffer, buffer.length, flags], same),
        close: (fd) => call("close", close, [fd], same),
        listen: (fd, backlog) => call("listen", listen, [fd, backlog], same),
        accept4: (fd, flags) => call("accept4", accept4, [fd, null, null, flags], same),
        eventfd: (initval, flags) => call("eventfd", eventfd, [initval, flags], same),
        getFlags: (fd) => call("fcntl", fcntl, [fd, F_GETFL], same),
        setFlags: (fd, flags) => call("fcntl", fcntl, [fd, F_SETFL, "int", flags], same),
        send: (fd, data, flags) => call("send", send, [fd, data, data.length, flags], same),
        mallocTrim: () =>
          mallocTrim === undefined ? { ok: false, errno: ENOSYS, call: "malloc_trim" } : call("malloc_trim", mallocTrim, [0], same),
        pollAsync: (fds, nfds, timeout, done) => {
          poll.async(fds, nfds, timeout, (_error: unknown, ready: unknown) => done(Number(ready)));
        },
      },
    };
  } catch (error) {
    return { ok: false, reason: `libc.so.6 cannot be loaded through koffi (${describe(error)})` };
  }
}

/**
 * koffi's prebuilt binary for the platforms whose layout was checked, in the package koffi
 * depends on for it (`@koromix/koffi-PLATFORM`, the same version).
 */
export const PREBUILT: Readonly<Record<string, string>> = {
  "linux-x64": "@koromix/koffi-linux-x64/linux_x64/koffi.node",
};

/**
 * koffi itself, its prebuilt binary required directly where its place is known: koffi's entry
 * finds that binary at run time — its own JavaScript, compiled from source at every start (it is
 * not in the run path's bundle nor its code cache), and a read of node's ELF header to tell glibc
 * from musl — which was 6–9 ms of the 8–12 that `require("koffi")` took before the supervisor's
 * first spawn, the binary alone loading in ~2 (measured, cold `node` processes). The binary is
 * what koffi's entry exports, less its shims for deprecated names, none of which is used here;
 * it is built for glibc, the only libc `libc.so.6` (what this module loads) names. Elsewhere, or
 * if a release moved the file, koffi's entry as before.
 */
function requireKoffi(load: NodeJS.Require): typeof import("koffi") {
  const prebuilt = PREBUILT[`${process.platform}-${process.arch}`];
  if (prebuilt !== undefined) {
    try {
      const native = load(prebuilt) as Partial<typeof import("koffi")> | undefined;
      if (typeof native?.load === "function" && typeof native.errno === "function") return native as typeof import("koffi");
    } catch {
      // koffi's entry below says what is wrong, if anything is
    }
  }
  return load("koffi") as typeof import("koffi");
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
