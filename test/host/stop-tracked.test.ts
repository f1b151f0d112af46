/**
 * The escapee part of a stop on virtual time: escapees get the stop signal with the group, and
 * SIGKILL (the tracker's killAll) only when the stop timeout has run out.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { stopTracked } from "../../src/host/stop-tracked.js";
import type { ProcessTracker } from "../../src/host/tracking.js";
import { VirtualClock } from "../unit/supervisor/fakes.js";

/** One escapee, pid 5001, that obeys the stop signal or not. */
function fakeTracker(obeys: boolean): { tracker: ProcessTracker; kill: (pid: number, signal: NodeJS.Signals) => void; log: string[] } {
  const log: string[] = [];
  let alive = true;
  return {
    log,
    kill(pid, signal) {
      log.push(`${signal} ${pid}`);
      if (signal === "SIGTERM" && obeys) alive = false;
    },
    tracker: {
      cgroup: undefined,
      attach: () => undefined,
      others: () => (alive ? [5001] : []),
      killAll() {
        log.push("killAll");
        alive = false;
      },
      release: () => log.push("release"),
      oomKills: () => 0,
    },
  };
}

describe("stopTracked on virtual time", () => {
  it("an escapee that obeys the stop signal is not killed", async () => {
    const clock = new VirtualClock();
    const fake = fakeTracker(true);
    const stop = stopTracked({
      leader: 5000,
      tracker: fake.tracker,
      signal: "SIGTERM",
      timeoutMs: 1000,
      stopGroup: () => Promise.resolve({ killed: false }),
      clock,
      kill: fake.kill,
    });
    await clock.advance(10);
    assert.deepEqual(await stop, { killed: false });
    assert.deepEqual(fake.log, ["SIGTERM 5001", "SIGCONT 5001", "release"]);
  });

  it("one that ignores it is killed at stopTimeout and not before", async () => {
    const clock = new VirtualClock();
    const fake = fakeTracker(false);
    let outcome: { killed: boolean } | undefined;
    void stopTracked({
      leader: 5000,
      tracker: fake.tracker,
      signal: "SIGTERM",
      timeoutMs: 1000,
      stopGroup: () => Promise.resolve({ killed: false }),
      clock,
      kill: fake.kill,
    }).then((o) => (outcome = o));
    await clock.advance(990);
    assert.equal(outcome, undefined);
    assert.ok(!fake.log.includes("killAll"), "not killed before stopTimeout");
    await clock.advance(20);
    assert.deepEqual(outcome, { killed: true });
    assert.deepEqual(fake.log, ["SIGTERM 5001", "SIGCONT 5001", "killAll", "release"]);
  });
});
