import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SupervisorEvent } from "../../../src/supervisor/events.js";
import { ProcessSlot } from "../../../src/supervisor/process-slot.js";
import type { RestartDecision } from "../../../src/supervisor/restart-policy.js";
import { FakeSpawner, VirtualClock } from "./fakes.js";

function slot(
  candidate: boolean,
  decide: () => RestartDecision = () => ({ action: "restart", delayMs: 500, history: { times: [], consecutive: 1 } }),
) {
  const clock = new VirtualClock();
  const spawner = new FakeSpawner(clock);
  spawner.onSpawn = (proc) => proc.ready();
  const events: SupervisorEvent[] = [];
  const s = new ProcessSlot(
    {
      site: "alpha",
      index: 1,
      generation: 1,
      spawn: () => spawner.spawnOne(1, 1),
      ready: () => ({ rule: { type: "notify" }, socket: undefined, timeoutMs: 1000 }),
      stopSignal: () => ({ signal: "SIGTERM", timeoutMs: 1000 }),
      decide,
      changed: () => undefined,
      emit: (event) => events.push(event),
      clock,
    },
    candidate,
  );
  return { clock, spawner, events, slot: s };
}

describe("ProcessSlot on virtual time", () => {
  it("a supervised slot restarts after its backoff and counts the restart", async () => {
    const r = slot(false);
    r.slot.start();
    assert.deepEqual(await r.slot.settled, { ok: true });
    r.spawner.spawned[0]?.crash();
    await r.clock.settle();
    assert.equal(r.slot.state.kind, "backoff");
    await r.clock.advance(499);
    assert.equal(r.spawner.spawned.length, 1);
    await r.clock.advance(1);
    assert.equal(r.spawner.spawned.length, 2);
    assert.equal(r.slot.state.kind, "running");
    assert.equal(r.slot.restarts, 1);
    assert.deepEqual(
      r.events.map((e) => e.type),
      ["process-started", "process-ready", "process-exited", "restart-scheduled", "process-started", "process-ready"],
    );
  });

  it("a reload's candidate that crashes before ready fails instead of restarting; once promoted it restarts", async () => {
    const failing = slot(true);
    failing.spawner.onSpawn = (proc) => proc.crash();
    failing.slot.start();
    const settle = await failing.slot.settled;
    assert.equal(settle.ok, false);
    assert.equal(failing.slot.state.kind, "failed");
    await failing.clock.advance(10_000);
    assert.equal(failing.spawner.spawned.length, 1, "never respawned");

    const promoted = slot(true);
    promoted.slot.start();
    await promoted.slot.settled;
    promoted.slot.promote();
    promoted.spawner.spawned[0]?.crash();
    await promoted.clock.advance(500);
    assert.equal(promoted.spawner.spawned.length, 2);
  });

  it("a stop during the backoff cancels the pending restart", async () => {
    const r = slot(false);
    r.slot.start();
    await r.slot.settled;
    r.spawner.spawned[0]?.crash();
    await r.clock.settle();
    assert.equal(r.clock.pending, 1, "the restart timer");
    await r.slot.stop();
    assert.equal(r.slot.state.kind, "stopped");
    assert.equal(r.clock.pending, 0);
    await r.clock.advance(10_000);
    assert.equal(r.spawner.spawned.length, 1);
  });
});
