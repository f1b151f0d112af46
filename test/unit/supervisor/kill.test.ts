import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { stopGroup, type Signaller } from "../../../src/process/kill.js";
import { VirtualClock } from "./fakes.js";

/** A group that is alive until SIGKILL (or, if `obeys`, until the stop signal). */
function fakeGroup(obeys: boolean): { signaller: Signaller; sent: string[]; exit: Promise<void>; alive: () => boolean } {
  const sent: string[] = [];
  let alive = true;
  let resolveExit!: () => void;
  const exit = new Promise<void>((resolve) => (resolveExit = resolve));
  const die = (): void => {
    alive = false;
    resolveExit();
  };
  const signaller: Signaller = {
    kill(_pid, signal) {
      if (!alive) throw Object.assign(new Error("ESRCH"), { code: "ESRCH" });
      if (signal === 0) return;
      sent.push(signal);
      if (signal === "SIGKILL" || (obeys && signal === "SIGTERM")) die();
    },
  };
  return { signaller, sent, exit, alive: () => alive };
}

describe("stopGroup on virtual time", () => {
  it("a group that obeys the stop signal is not killed", async () => {
    const clock = new VirtualClock();
    const group = fakeGroup(true);
    const stop = stopGroup(4242, {
      signal: "SIGTERM",
      timeoutMs: 3000,
      leaderExited: group.exit,
      clock,
      signaller: group.signaller,
      groupHasLiveMembers: group.alive,
    });
    await clock.advance(100);
    assert.deepEqual(await stop, { killed: false });
    assert.deepEqual(group.sent, ["SIGTERM"]);
  });

  it("a group that ignores it gets SIGCONT, then SIGKILL at stopTimeout and not before", async () => {
    const clock = new VirtualClock();
    const group = fakeGroup(false);
    let outcome: { killed: boolean } | undefined;
    void stopGroup(4242, {
      signal: "SIGINT",
      timeoutMs: 3000,
      leaderExited: group.exit,
      clock,
      signaller: group.signaller,
      groupHasLiveMembers: group.alive,
    }).then((o) => (outcome = o));
    await clock.advance(2990);
    assert.deepEqual(group.sent, ["SIGINT", "SIGCONT"]);
    assert.equal(outcome, undefined);
    await clock.advance(20);
    assert.deepEqual(group.sent, ["SIGINT", "SIGCONT", "SIGKILL"]);
    assert.deepEqual(outcome, { killed: true });
  });

  it("ends when the leader exits, not at the next poll of the group", async () => {
    const clock = new VirtualClock();
    const sent: string[] = [];
    let alive = true;
    const exit = new Promise<void>((resolve) => {
      // The leader takes 3 ms to act on SIGTERM.
      clock.setTimeout(() => {
        alive = false;
        resolve();
      }, 3);
    });
    const signaller: Signaller = {
      kill(_pid, signal) {
        if (!alive) throw Object.assign(new Error("ESRCH"), { code: "ESRCH" });
        if (signal !== 0) sent.push(signal);
      },
    };
    let outcome: { killed: boolean } | undefined;
    void stopGroup(4242, {
      signal: "SIGTERM",
      timeoutMs: 3000,
      leaderExited: exit,
      clock,
      signaller,
      groupHasLiveMembers: () => alive,
    }).then((o) => (outcome = o));
    await clock.advance(3);
    assert.deepEqual(outcome, { killed: false });
    assert.deepEqual(sent, ["SIGTERM", "SIGCONT"]);
  });

  it("keeps polling while the leader's group lives on after it, then ends", async () => {
    const clock = new VirtualClock();
    let members = true;
    let outcome: { killed: boolean } | undefined;
    void stopGroup(4242, {
      signal: "SIGTERM",
      timeoutMs: 3000,
      leaderExited: Promise.resolve(),
      clock,
      signaller: { kill: () => undefined },
      groupHasLiveMembers: () => members,
    }).then((o) => (outcome = o));
    await clock.advance(200);
    assert.equal(outcome, undefined, "a grandchild still lives in the group");
    members = false;
    await clock.advance(25);
    assert.deepEqual(outcome, { killed: false });
  });
});
