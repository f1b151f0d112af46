/**
 * What the host tests share: a fake NOTIFY_SOCKET (a unix datagram socket read with the same
 * libc calls the supervisor sends with), the test run's parent cgroup, and process-tree reads.
 */
import fs from "node:fs";
import path from "node:path";
import { cgroup2Mount, removeCgroup } from "../../src/host/cgroup.js";
import { AF_UNIX, EAGAIN, libc, MSG_DONTWAIT, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_NONBLOCK } from "../../src/native/libc.js";
import { unixAddress } from "../../src/host/sd-notify.js";
import { scanStats } from "../../src/process/proc-stat.js";

export class DatagramReceiver {
  readonly path: string;
  readonly #fd: number;
  readonly messages: string[] = [];

  constructor(socketPath: string) {
    const loaded = libc();
    if (!loaded.ok) throw new Error(loaded.reason);
    const fd = loaded.libc.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (!fd.ok) throw new Error(`socket: errno ${fd.errno}`);
    const address = unixAddress(socketPath);
    if (address === undefined) throw new Error(`bad socket path ${socketPath}`);
    const bound = loaded.libc.bind(fd.value, address);
    if (!bound.ok) throw new Error(`bind ${socketPath}: errno ${bound.errno}`);
    this.path = socketPath;
    this.#fd = fd.value;
  }

  /** Reads every datagram waiting; returns all received so far. */
  drain(): string[] {
    const loaded = libc();
    if (!loaded.ok) return this.messages;
    const buffer = Buffer.alloc(4096);
    for (;;) {
      const got = loaded.libc.recv(this.#fd, buffer, MSG_DONTWAIT);
      if (!got.ok) {
        if (got.errno !== EAGAIN) throw new Error(`recv: errno ${got.errno}`);
        return this.messages;
      }
      this.messages.push(buffer.subarray(0, got.value).toString("utf8"));
    }
  }

  close(): void {
    const loaded = libc();
    if (loaded.ok) loaded.libc.close(this.#fd);
    fs.rmSync(this.path, { force: true });
  }
}

/** The parent cgroup of this test run (named for it), or undefined where cgroup v2 cannot be written. */
export function testCgroupParent(name: string): string | undefined {
  const mount = cgroup2Mount();
  if (mount === undefined) return undefined;
  const dir = path.join(mount, `tsgi-test-${name}-${process.pid}`);
  try {
    fs.mkdirSync(dir);
    return dir;
  } catch {
    return undefined;
  }
}

export function removeTestCgroup(dir: string | undefined): void {
  if (dir === undefined) return;
  try {
    fs.writeFileSync(path.join(dir, "cgroup.kill"), "1");
  } catch {
    // empty already, or an old kernel
  }
  for (let attempt = 0; attempt < 20 && !removeCgroup(dir); attempt++) {
    const until = Date.now() + 50;
    while (Date.now() < until) {
      // a few ms for the kernel to finish ending its processes
    }
  }
}

/** Every descendant of `pid` with its state letter, from one /proc scan. */
export function descendants(pid: number): { pid: number; state: string; pgid: number }[] {
  const rows = scanStats();
  const out: { pid: number; state: string; pgid: number }[] = [];
  const walk = (parent: number): void => {
    for (const row of rows)
      if (row.ppid === parent) {
        out.push({ pid: row.pid, state: row.state, pgid: row.pgid });
        walk(row.pid);
      }
  };
  walk(pid);
  return out;
}

export function readPid(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, "utf8").trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}
