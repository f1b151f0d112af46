/**
 * systemd's notify protocol (sd_notify(3)): `KEY=VALUE` lines in one datagram to the unix
 * socket named by NOTIFY_SOCKET (a path, or `@name` in the abstract namespace). Node's dgram
 * has no unix datagram sockets, so the socket is made with libc (`native/libc.ts`) from the
 * supervisor's own pid — systemd ignores notifications from other pids of a `Type=notify`
 * unit unless `NotifyAccess=all`.
 */
import { AF_UNIX, libc, MSG_NOSIGNAL, SOCK_CLOEXEC, SOCK_DGRAM, type Libc } from "../native/libc.js";

export interface Notifier {
  /** Sends the fields in one datagram; false when it could not. */
  send(fields: Readonly<Record<string, string>>): boolean;
  close(): void;
}

export type NotifierResult =
  { readonly ok: true; readonly notifier: Notifier } | { readonly ok: false; readonly reason: string } | { readonly ok: "absent" };

/** sockaddr_un for a NOTIFY_SOCKET value: family, then the path (`@` = abstract: a leading NUL). */
export function unixAddress(name: string): Buffer | undefined {
  const abstract = name.startsWith("@");
  const bytes = Buffer.from(abstract ? name.slice(1) : name);
  // sun_path is 108 bytes; a path also needs its NUL.
  if (bytes.length === 0 || bytes.length > 107) return undefined;
  const address = Buffer.alloc(2 + (abstract ? 1 : 0) + bytes.length + (abstract ? 0 : 1));
  address.writeUInt16LE(AF_UNIX, 0);
  bytes.copy(address, abstract ? 3 : 2);
  return address;
}

export function formatNotify(fields: Readonly<Record<string, string>>): string {
  // A value never spans lines: a newline would start another field.
  return Object.entries(fields)
    .map(([key, value]) => `${key}=${value.replace(/\n/g, " ")}`)
    .join("\n");
}

/** A notifier for `NOTIFY_SOCKET`, or `absent` when it is not set (not under systemd). */
export function openNotifier(socketName: string | undefined, load: () => ReturnType<typeof libc> = libc): NotifierResult {
  if (socketName === undefined || socketName === "") return { ok: "absent" };
  const address = unixAddress(socketName);
  if (address === undefined) return { ok: false, reason: `NOTIFY_SOCKET=${socketName} is not a unix socket path` };
  const loaded = load();
  if (!loaded.ok) return { ok: false, reason: loaded.reason };
  const lib: Libc = loaded.libc;
  const fd = lib.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (!fd.ok) return { ok: false, reason: `socket(AF_UNIX, SOCK_DGRAM) failed with errno ${fd.errno}` };
  let open = true;
  return {
    ok: true,
    notifier: {
      send(fields) {
        if (!open) return false;
        return lib.sendto(fd.value, Buffer.from(formatNotify(fields)), MSG_NOSIGNAL, address).ok;
      },
      close() {
        if (!open) return;
        open = false;
        lib.close(fd.value);
      },
    },
  };
}

/** CLOCK_MONOTONIC in microseconds, as `MONOTONIC_USEC=` wants (Node's hrtime is that clock). */
export function monotonicUsec(): string {
  return String(process.hrtime.bigint() / 1000n);
}
