/**
 * The kernel's cgroup-migration lock, taken ahead of a site's move so the move itself does not
 * wait for it.
 *
 * Moving a process between cgroups (the launch wrapper's `echo $$ > cgroup.procs`) takes
 * `cgroup_threadgroup_rwsem` for writing, and the first writer after a quiet spell waits one RCU
 * grace period inside that write (10–30 ms on a cgroup2 mount without `favordynmods`); a writer
 * that comes within about a grace period of the last one does not wait. So just before a site is
 * spawned, after its cgroup is made, the supervisor moves itself into the cgroup it is already in
 * — a move that changes nothing but takes the lock — from libuv's thread pool: the grace period
 * then runs while the site's shell is being forked and exec'd, and the shell's own move finds the
 * lock warm (measured with ftrace, one site, 15 interleaved trials: the shell's exec → its move
 * 11–16 → 3–4 ms, the supervisor's exec → the site's `listen` 237 → 224 ms, medians).
 *
 * The write holds `cgroup_mutex` through its grace period, and a `mkdir` of a cgroup waits for
 * that mutex on the supervisor's only thread; so the first write is made as `run` starts, before
 * the run path loads (`warmAtStart`): its grace period (~10 ms, measured with ftrace) is over
 * before the first cgroups are made ~20 ms later, and the write made after them comes within the
 * lock's warm spell and waits for nothing (the shell's exec → its move 8.3 → 0.5 ms; the
 * supervisor's exec → the site's `listen` 77 → 72 ms, one site, medians of 11). One write at a time; a failure
 * (no write permission on its own cgroup) changes nothing, and costs only the wait the site's
 * move would have had anyway.
 */
import fs from "node:fs";
import path from "node:path";
import { cgroup2Mount, ownCgroup } from "./cgroup.js";

export interface MigrationWarmup {
  /**
   * Takes the lock now, in the background: the write's end (it never rejects), or undefined when
   * this added nothing — the last write is still in flight, the cgroup cannot be opened for
   * writing (asked once), or the warm-up is closed.
   */
  warm(): Promise<void> | undefined;
  /** No more writes; the file is closed once the one in flight ends. */
  close(): void;
}

/** For the supervisor's own cgroup `ownDir` (a directory under the cgroup v2 mount). */
export function migrationWarmup(ownDir: string, pid = process.pid): MigrationWarmup {
  const procs = path.join(ownDir, "cgroup.procs");
  const data = Buffer.from(String(pid));
  // Opened once, on the caller's thread: each write is then one request on libuv's pool, made at
  // once. `fs.promises.writeFile` opens, writes and closes in three requests, each sent from the
  // event loop when the one before has answered, so its write waited for the supervisor's next
  // idle moment — after the set-up the warm-up is meant to overlap (measured with ftrace: the
  // lock taken at the same time with or without the warm-up moved ahead).
  let fd: number | undefined;
  let unusable = false;
  let inFlight = false;
  const closeFile = (): void => {
    if (fd !== undefined) fs.close(fd, () => undefined);
    fd = undefined;
  };
  return {
    warm() {
      if (inFlight || unusable) return undefined;
      try {
        fd ??= fs.openSync(procs, "w");
      } catch {
        unusable = true;
        return undefined;
      }
      inFlight = true;
      const open = fd;
      return new Promise<void>((resolve) => {
        fs.write(open, data, () => {
          inFlight = false;
          if (unusable) closeFile();
          resolve();
        });
      });
    },
    close() {
      unusable = true;
      if (!inFlight) closeFile();
    },
  };
}

/**
 * The first warm-up, as `run` starts, and in a control command after which the supervisor
 * spawns, as it starts (`cli/entry.ts`): one write in the background (its end answered), the
 * file closed after it. None with cgroups turned off (`TSGI_CGROUP=off`), nor in a systemd service,
 * where the supervisor's own move out of its unit's cgroup (`leaveServiceCgroup`) takes the lock.
 */
export function warmAtStart(env: NodeJS.ProcessEnv, ownDir: () => string | undefined = ownCgroupDir): Promise<void> | undefined {
  if (env["TSGI_CGROUP"] === "off" || env["INVOCATION_ID"] !== undefined) return undefined;
  const dir = ownDir();
  if (dir === undefined) return undefined;
  const warmup = migrationWarmup(dir);
  const written = warmup.warm();
  if (written === undefined) warmup.close();
  else void written.then(() => warmup.close());
  return written;
}

function ownCgroupDir(): string | undefined {
  const mount = cgroup2Mount();
  const own = ownCgroup();
  return mount === undefined || own === undefined ? undefined : path.join(mount, own);
}
