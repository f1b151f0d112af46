/**
 * The death watch on its own (`src/host/death-watch.ts`): a real watcher shell. It says whether
 * it still runs — the launch skips setpriv only while it does (`setprivNeeded`) — and a clean
 * close leaves the groups it was told of alone.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, it } from "node:test";
import { alive } from "../../kit/supervisor.js";
import { waitFor } from "../../kit/wait-for.js";
import { startDeathWatch } from "../../src/host/death-watch.js";
import { readStat } from "../../src/process/proc-stat.js";

/** What this file started, with each pid's start time, so a reused pid is never signalled. */
const started: { pid: number; startTime: string | undefined; group: boolean }[] = [];
const record = (pid: number, group: boolean): void => void started.push({ pid, startTime: readStat(pid)?.startTime, group });
after(() => {
  for (const { pid, startTime, group } of started)
    if (startTime !== undefined && readStat(pid)?.startTime === startTime) process.kill(group ? -pid : pid, "SIGKILL");
});

it("answers that it no longer runs once its watcher is killed", async () => {
  const watch = startDeathWatch();
  assert.ok(watch !== undefined, "/bin/sh");
  record(watch.pid, false);
  assert.equal(watch.alive(), true);
  process.kill(watch.pid, "SIGKILL");
  await waitFor("the watch to see its watcher gone", () => !watch.alive() || undefined);
});

it("a clean close ends the watcher and leaves the groups it was told of running", async () => {
  const watch = startDeathWatch();
  assert.ok(watch !== undefined, "/bin/sh");
  record(watch.pid, false);
  // Its own group (detached), of which it is the leader: the group the watch is told of.
  const sleeper = spawn("sleep", ["30"], { detached: true, stdio: "ignore" });
  const pgid = sleeper.pid ?? 0;
  record(pgid, true);
  watch.add(pgid, "SIGTERM");
  watch.close();
  await waitFor("the watcher to exit", () => !alive(watch.pid) || undefined);
  assert.ok(alive(pgid), "the group it watched runs on");
});
