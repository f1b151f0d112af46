/**
 * The lock-warming move (`src/host/migration-warmup.ts`) on a stand-in for a cgroup: a directory
 * whose `cgroup.procs` is a named pipe, so the test sees each write and decides when it ends (a
 * write to a real cgroup.procs blocks the same way, for a grace period). One write at a time, of
 * the pid it is given, in the background; a failing write is silent.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, it } from "node:test";
import { migrationWarmup } from "../../../src/host/migration-warmup.js";

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** Everything written to the pipe until its writer closes it. */
async function readOnce(procs: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of fs.createReadStream(procs)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

it("writes the pid to the cgroup's cgroup.procs in the background, one write at a time", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsgi-warmup-"));
  dirs.push(dir);
  const procs = path.join(dir, "cgroup.procs");
  assert.equal(spawnSync("mkfifo", [procs]).status, 0, "mkfifo (coreutils)");
  const warmup = migrationWarmup(dir, 4242);
  // The pipe has no reader yet: the write waits in libuv's pool, as a move waits for its grace
  // period; the caller goes on meanwhile, and a warm while it waits adds nothing.
  const first = warmup.warm();
  assert.ok(first !== undefined);
  assert.equal(warmup.warm(), undefined);
  assert.equal(warmup.warm(), undefined);
  assert.equal(await readOnce(procs), "4242", "one write, of the pid given");
  await first;
  // Done: the next warm writes again.
  const reading = readOnce(procs);
  const second = warmup.warm();
  assert.ok(second !== undefined);
  assert.equal(await reading, "4242");
  await second;
});

it("a cgroup it cannot write to changes nothing and throws nothing", async () => {
  const missing = path.join(os.tmpdir(), `tsgi-warmup-missing-${process.pid}`);
  const warmup = migrationWarmup(missing, 4242);
  await warmup.warm();
  assert.equal(fs.existsSync(missing), false);
  // Settled: the next one tries again (and fails as quietly).
  assert.ok(warmup.warm() !== undefined);
});
