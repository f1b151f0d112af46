import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Scaling } from "../../../src/config/types.js";
import { decideScale, type ScaledProcess, type ScaleInput } from "../../../src/supervisor/scale-policy.js";

const IDLE = 60_000;
const scaling = (min: number, max: number): Scaling => ({ min, max, idleMs: IDLE });
const serving = (index: number, lastActiveAt: number, connections = 0): ScaledProcess => ({
  index,
  phase: "serving",
  connections,
  lastActiveAt,
});
const input = (over: Partial<ScaleInput> & Pick<ScaleInput, "scaling">): ScaleInput => ({
  processes: [],
  queued: 0,
  lastConnectionAt: 0,
  now: 0,
  signalled: true,
  ...over,
});

describe("scale policy", () => {
  it("an idle site with nothing signalled stays idle, with no timer to set", () => {
    assert.deepEqual(decideScale(input({ scaling: scaling(0, 4), now: 5_000_000, signalled: false })), {
      action: "none",
      recheckAt: undefined,
    });
  });

  it("an idle site whose socket signalled starts even when the kernel would not give the queue length", () => {
    assert.deepEqual(decideScale(input({ scaling: scaling(0, 4), queued: undefined })), { action: "add", count: 1, why: "woken" });
  });

  it("a connection waiting on an idle site starts max(min, 1)", () => {
    assert.deepEqual(decideScale(input({ scaling: scaling(0, 4), queued: 3 })), { action: "add", count: 1, why: "woken" });
  });

  it("below min (a raised min, a fresh start) adds the difference at once", () => {
    assert.deepEqual(decideScale(input({ scaling: scaling(3, 4), processes: [serving(1, 0)] })), {
      action: "add",
      count: 2,
      why: "below-min",
    });
  });

  it("a queue while every process is up adds one, up to max", () => {
    const two = [serving(1, 0, 1), serving(2, 0, 1)];
    assert.deepEqual(decideScale(input({ scaling: scaling(1, 3), processes: two, queued: 10 })), {
      action: "add",
      count: 1,
      why: "queue",
    });
    const three = [...two, serving(3, 0, 1)];
    assert.equal(decideScale(input({ scaling: scaling(1, 3), processes: three, queued: 10 })).action, "none");
  });

  it("a process still starting takes one waiting connection: more waiting adds one more, one does not", () => {
    const processes: ScaledProcess[] = [serving(1, 0, 1), { index: 2, phase: "starting", connections: 0, lastActiveAt: 0 }];
    assert.deepEqual(decideScale(input({ scaling: scaling(1, 4), processes, queued: 50 })), { action: "add", count: 1, why: "queue" });
    assert.equal(decideScale(input({ scaling: scaling(1, 4), processes, queued: 1 })).action, "none");
  });

  it("a site just woken adds nothing more until its first process serves, however long the queue", () => {
    const processes: ScaledProcess[] = [{ index: 1, phase: "starting", connections: 0, lastActiveAt: 0 }];
    assert.equal(decideScale(input({ scaling: scaling(0, 4), processes, queued: 50 })).action, "none");
  });

  it("nothing is stopped while a process starts", () => {
    const processes: ScaledProcess[] = [serving(1, 0), { index: 2, phase: "starting", connections: 0, lastActiveAt: 0 }];
    assert.equal(decideScale(input({ scaling: scaling(0, 4), processes, now: 10 * IDLE })).action, "none");
  });

  it("a queue read without the socket signalling (a process just became ready) adds nothing", () => {
    assert.equal(decideScale(input({ scaling: scaling(1, 4), processes: [serving(1, 0, 1)], queued: 9, signalled: false })).action, "none");
    assert.equal(decideScale(input({ scaling: scaling(0, 4), queued: 9, signalled: false })).action, "none");
  });

  it("an unknown queue length adds nothing", () => {
    assert.equal(decideScale(input({ scaling: scaling(1, 4), processes: [serving(1, 0, 1)], queued: undefined })).action, "none");
  });

  it("a process beyond min idle for `idle` is stopped, the idlest first; not a moment before", () => {
    const processes = [serving(1, 50_000), serving(2, 10_000), serving(3, 30_000)];
    assert.deepEqual(decideScale(input({ scaling: scaling(1, 3), processes, now: 69_999 })), { action: "none", recheckAt: 70_000 });
    assert.deepEqual(decideScale(input({ scaling: scaling(1, 3), processes, now: 70_000 })), {
      action: "stop",
      index: 2,
      idleMs: IDLE,
    });
  });

  it("never a process holding a connection, however long ago it was last seen idle", () => {
    const processes = [serving(1, 0, 1), serving(2, 0, 2)];
    assert.deepEqual(decideScale(input({ scaling: scaling(0, 2), processes, now: 10 * IDLE })), {
      action: "none",
      recheckAt: 10 * IDLE + IDLE,
    });
  });

  it("never below min", () => {
    const processes = [serving(1, 0), serving(2, 0)];
    assert.deepEqual(decideScale(input({ scaling: scaling(2, 4), processes, now: 10 * IDLE })), { action: "none", recheckAt: undefined });
  });

  it("the last process (min 0) waits for the socket to be quiet for `idle` too", () => {
    const processes = [serving(1, 0)];
    assert.deepEqual(decideScale(input({ scaling: scaling(0, 2), processes, lastConnectionAt: 40_000, now: 90_000 })), {
      action: "none",
      recheckAt: 100_000,
    });
    assert.deepEqual(decideScale(input({ scaling: scaling(0, 2), processes, lastConnectionAt: 40_000, now: 100_000 })), {
      action: "stop",
      index: 1,
      idleMs: IDLE,
    });
  });

  it("nothing is stopped while connections wait", () => {
    const processes = [serving(1, 0), serving(2, 0)];
    assert.equal(decideScale(input({ scaling: scaling(0, 2), processes, queued: 1, now: 10 * IDLE })).action, "none");
  });

  it("a ramp on virtual time: idle → 1 → … → max → back to min", () => {
    const s = scaling(1, 3);
    let processes: ScaledProcess[] = [serving(1, 0)];
    let now = 0;
    const trace: string[] = [];
    for (let step = 0; step < 4; step++) {
      const d = decideScale(input({ scaling: s, processes, queued: 20, now }));
      trace.push(d.action);
      if (d.action === "add") processes = [...processes, serving(processes.length + 1, now, 1)];
      now += 100;
    }
    // The burst ends; everyone goes quiet at `now`.
    processes = processes.map((p) => ({ ...p, connections: 0, lastActiveAt: now }));
    for (let step = 0; step < 4; step++) {
      now += IDLE;
      const d = decideScale(input({ scaling: s, processes, now }));
      trace.push(d.action === "stop" ? `stop ${d.index}` : d.action);
      if (d.action === "stop") processes = processes.filter((p) => p.index !== d.index);
    }
    assert.deepEqual(trace, ["add", "add", "none", "none", "stop 3", "stop 2", "none", "none"]);
    assert.deepEqual(
      processes.map((p) => p.index),
      [1],
    );
  });
});
