/**
 * The lock-warming move (`src/host/migration-warmup.ts`) on a stand-in for a cgroup: a directory
 * whose `cgroup.procs` is a named pipe, filled to the brim first, so a write to it waits until the
 * test reads (a write to a real cgroup.procs blocks the same way, for a grace period). One write
 * at a time, of the pid it is given, in the background; a file it cannot open is silent and asked
 * once; after close, nothing.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, it } from "node:test";
import { migrationWarmup, warmAtStart } from "../../../src/host/migration-warmup.js";

const dirs: string[] = [];
const fds: number[] = [];
after(() => {
  for (const fd of fds) fs.closeSync(fd);
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A full pipe at `cgroup.procs` of a new directory: the directory, and a read end that never blocks. */
function fullPipe(): { dir: string; reader: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsgi-warmup-"));
  dirs.push(dir);
  const procs = path.join(dir, "cgroup.procs");
  assert.equal(spawnSync("mkfifo", [procs]).status, 0, "mkfifo (coreutils)");
  // The read end first, so the warm-up's own open of the write end does not wait for a reader.
  const reader = fs.openSync(procs, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const filler = fs.openSync(procs, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  fds.push(reader, filler);
  const block = Buffer.alloc(4096, "x");
  for (;;) {
    try {
      fs.writeSync(filler, block);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EAGAIN") break;
      throw error;
    }
  }
  return { dir, reader };
}

/** Reads the pipe empty, and on until `text` has arrived behind the filling; then what came after the filling. */
async function drainUntil(reader: number, text: string, deadlineMs = 5000): Promise<string> {
  const until = Date.now() + deadlineMs;
  let tail = "";
  const buffer = Buffer.alloc(65536);
  while (!tail.endsWith(text)) {
    let read = 0;
    try {
      read = fs.readSync(reader, buffer);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
    }
    tail = (tail + buffer.subarray(0, read).toString()).replace(/^x+/, "");
    if (read === 0) {
      if (Date.now() > until) assert.fail(`${JSON.stringify(text)} never arrived (got ${JSON.stringify(tail)})`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  return tail;
}

it("writes the pid to the cgroup's cgroup.procs in the background, one write at a time", async () => {
  const { dir, reader } = fullPipe();
  const warmup = migrationWarmup(dir, 4242);
  // The pipe is full: the write waits in libuv's pool, as a move waits for its grace period; the
  // caller goes on meanwhile, and a warm while it waits adds nothing.
  let settled = false;
  const first = warmup.warm();
  assert.ok(first !== undefined);
  void first.then(() => (settled = true));
  assert.equal(warmup.warm(), undefined);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(settled, false, "the write waits while the pipe is full");
  assert.equal(warmup.warm(), undefined);
  assert.equal(await drainUntil(reader, "4242"), "4242", "one write, of the pid given");
  await first;
  // Done: the next warm writes again, through the same open file.
  const second = warmup.warm();
  assert.ok(second !== undefined);
  assert.equal(await drainUntil(reader, "4242"), "4242");
  await second;
  warmup.close();
  assert.equal(warmup.warm(), undefined, "closed: no more writes");
});

it("a cgroup it cannot open changes nothing, throws nothing, and is not asked again", () => {
  const missing = path.join(os.tmpdir(), `tsgi-warmup-missing-${process.pid}`);
  const warmup = migrationWarmup(missing, 4242);
  assert.equal(warmup.warm(), undefined);
  assert.equal(fs.existsSync(missing), false);
  // Made now, it is still not written: the first failure is the answer.
  fs.mkdirSync(missing);
  dirs.push(missing);
  assert.equal(warmup.warm(), undefined);
  assert.equal(fs.existsSync(path.join(missing, "cgroup.procs")), false);
});

it("warms at start in the supervisor's own cgroup, unless cgroups are off or systemd runs it as a service", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsgi-warmup-"));
  dirs.push(dir);
  const procs = path.join(dir, "cgroup.procs");
  assert.equal(
    warmAtStart({ TSGI_CGROUP: "off" }, () => dir),
    undefined,
  );
  assert.equal(
    warmAtStart({ INVOCATION_ID: "0123" }, () => dir),
    undefined,
  );
  assert.equal(
    warmAtStart({}, () => undefined),
    undefined,
    "no cgroup v2, or its own cgroup unknown",
  );
  assert.equal(fs.existsSync(procs), false, "nothing written");
  const written = warmAtStart({ TSGI_CGROUP: "/sys/fs/cgroup/tsgi" }, () => dir);
  assert.ok(written !== undefined);
  await written;
  assert.equal(fs.readFileSync(procs, "utf8"), String(process.pid));
  assert.equal(
    warmAtStart({}, () => path.join(dir, "missing")),
    undefined,
    "a cgroup it cannot open: silent",
  );
});
