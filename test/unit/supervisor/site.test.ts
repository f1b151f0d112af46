import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ResolvedSite } from "../../../src/config/types.js";
import { SupervisorEvents } from "../../../src/supervisor/events.js";
import { Site } from "../../../src/supervisor/site.js";
import { resolvedSite } from "../../../kit/resolved-site.js";
import { collect, FakeSpawner, silentLog, VirtualClock } from "./fakes.js";

interface Rig {
  readonly clock: VirtualClock;
  readonly spawner: FakeSpawner;
  readonly events: SupervisorEvents;
  readonly site: Site;
}

function rig(overrides: Partial<ResolvedSite> = {}, shared?: { clock: VirtualClock; events: SupervisorEvents }): Rig {
  const clock = shared?.clock ?? new VirtualClock();
  const events = shared?.events ?? new SupervisorEvents();
  const spawner = new FakeSpawner(clock);
  spawner.onSpawn = (proc) => proc.ready();
  const config = resolvedSite({ ready: { type: "notify" }, startTimeoutMs: 5000, stopTimeoutMs: 3000, ...overrides });
  const site = new Site(config, { log: silentLog(), clock, random: () => 0.5, events, spawn: spawner.spawn });
  return { clock, spawner, events, site };
}

async function started(r: Rig): Promise<void> {
  const result = await r.site.start();
  assert.equal(result.ok, true, result.message);
  assert.equal(r.site.state.kind, "running");
}

describe("Site on virtual time", () => {
  it("crash → immediate restart → backoff doubling → reset after a stable run", async () => {
    const r = rig({
      processes: 1,
      restart: "always",
      backoff: { initialMs: 100, maxMs: 30_000 },
      maxRestarts: { count: 100, withinMs: 60_000 },
    });
    const restarts = collect(r.events.on.bind(r.events), "restart-scheduled");
    await started(r);
    const crashAndRestart = async (): Promise<number> => {
      const before = r.spawner.spawned.length;
      r.spawner.live()[0]?.crash();
      await r.clock.settle();
      const delay = restarts.at(-1)?.delayMs ?? -1;
      assert.equal(r.site.state.kind, "backoff");
      await r.clock.advance(delay);
      assert.equal(r.spawner.spawned.length, before + 1, "one new process after the backoff");
      assert.equal(r.site.state.kind, "running");
      return delay;
    };
    const delays = [await crashAndRestart(), await crashAndRestart(), await crashAndRestart(), await crashAndRestart()];
    assert.deepEqual(delays, [0, 100, 200, 400], "the first crash restarts at once, then initial, doubling");
    await r.clock.advance(10_000);
    assert.equal(await crashAndRestart(), 0, "a crash after a stable run restarts at once again");
    assert.equal(await crashAndRestart(), 100);
    assert.match(restarts[0]?.reason ?? "", /exited with code 1/);
  });

  it("a crash loop makes the site fatal (crash-loop) and stops its other processes; a sibling site is untouched", async () => {
    const clock = new VirtualClock();
    const events = new SupervisorEvents();
    const a = rig({ name: "alpha", processes: 2, maxRestarts: { count: 2, withinMs: 60_000 } }, { clock, events });
    const b = rig({ name: "beta", processes: 1 }, { clock, events });
    await started(a);
    await started(b);
    for (let i = 0; i < 3; i++) {
      const proc = a.spawner.live().find((p) => p.index === 1);
      assert.ok(proc !== undefined, `alpha.1 is up before crash ${i + 1}`);
      proc.crash();
      await clock.advance(1000);
    }
    const state = a.site.state;
    assert.equal(state.kind, "fatal");
    assert.equal(state.cause, "crash-loop");
    assert.equal(a.spawner.live().length, 0, "alpha's other process was stopped too");
    assert.equal(b.site.state.kind, "running");
    assert.deepEqual(
      b.spawner.spawned.map((p) => [p.alive, p.signals.length]),
      [[true, 0]],
    );
  });

  it("restart: never leaves a crashed process down: state exited, nothing respawned", async () => {
    const r = rig({ restart: "never" });
    const restarts = collect(r.events.on.bind(r.events), "restart-scheduled");
    const exits = collect(r.events.on.bind(r.events), "process-exited");
    await started(r);
    r.spawner.spawned[0]?.crash({ reason: "exit-code", code: 3 });
    await r.clock.advance(60_000);
    assert.equal(r.site.state.kind, "exited");
    assert.equal(r.spawner.spawned.length, 1);
    assert.equal(restarts.length, 0);
    assert.deepEqual(exits[0]?.exit, { reason: "exit-code", code: 3 });
  });

  it("a reload starts the new generation first and stops the old one only once the new one serves", async () => {
    const r = rig({ processes: 2 });
    const order: string[] = [];
    r.events.on("process-ready", (e) => order.push(`ready g${e.generation}.${e.index}`));
    r.events.on("process-stopped", (e) => order.push(`stopped g${e.generation}.${e.index}`));
    const finished = collect(r.events.on.bind(r.events), "reload-finished");
    const states = collect(r.events.on.bind(r.events), "state");
    await started(r);
    order.length = 0;
    r.spawner.onSpawn = () => undefined; // the new generation answers when the test says
    const reload = r.site.reload("test");
    await r.clock.advance(500);
    const state = r.site.state;
    assert.deepEqual(state, { kind: "reloading", generation: 1, next: 2, reason: "test" });
    assert.deepEqual(order, [], "nothing of generation 1 is stopped while generation 2 starts");
    for (const proc of r.spawner.ofGeneration(2)) proc.ready();
    const result = await reload;
    assert.equal(result.ok, true, result.message);
    assert.deepEqual(order.slice(0, 2).sort(), ["ready g2.1", "ready g2.2"]);
    assert.deepEqual(order.slice(2).sort(), ["stopped g1.1", "stopped g1.2"]);
    assert.deepEqual(
      finished.map((e) => [e.ok, e.generation, e.ms]),
      [[true, 2, 500]],
    );
    assert.deepEqual(states.map((e) => `${e.from.kind}→${e.to.kind}`).slice(-2), ["running→reloading", "reloading→running"]);
    assert.deepEqual(
      r.site.pids(),
      r.spawner.ofGeneration(2).map((p) => p.pid),
    );
  });

  it("a reload whose new generation crashes keeps the old one serving", async () => {
    const r = rig({ processes: 1 });
    await started(r);
    r.spawner.onSpawn = (proc) => proc.crash();
    const finished = collect(r.events.on.bind(r.events), "reload-finished");
    const result = await r.site.reload();
    assert.equal(result.ok, false);
    assert.equal(r.site.state.kind, "running");
    const [old] = r.spawner.ofGeneration(1);
    assert.deepEqual([old?.alive, old?.signals], [true, []]);
    assert.equal(finished[0]?.ok, false);
    assert.match(finished[0].error ?? "", /exited with code 1 before it was ready|exited with code 1/);
  });

  it("a reload whose new generation is not ready within startTimeout is stopped; the old one keeps serving", async () => {
    const r = rig({ processes: 1, startTimeoutMs: 5000 });
    await started(r);
    r.spawner.onSpawn = () => undefined;
    const reload = r.site.reload();
    await r.clock.advance(5000);
    const result = await reload;
    assert.equal(result.ok, false);
    assert.match(result.message, /not ready within 5000 ms/);
    const [fresh] = r.spawner.ofGeneration(2);
    assert.deepEqual(fresh?.signals, ["SIGTERM"], "the late generation was stopped");
    assert.equal(r.spawner.ofGeneration(1)[0]?.alive, true);
    assert.equal(r.site.state.kind, "running");
  });

  it("a stop during a reload's wait cancels it and stops both generations", async () => {
    const r = rig({ processes: 1 });
    await started(r);
    r.spawner.onSpawn = () => undefined;
    const reload = r.site.reload();
    await r.clock.advance(100);
    const stop = r.site.stop();
    await r.clock.advance(100);
    const [reloaded, stopped] = await Promise.all([reload, stop]);
    assert.equal(reloaded.ok, false);
    assert.match(reloaded.message, /cancelled by a stop/);
    assert.equal(stopped.ok, true, stopped.message);
    assert.equal(r.site.state.kind, "stopped");
    assert.equal(r.spawner.live().length, 0);
  });

  it("single-flight: a reload asked while one runs queues one more, and later asks join that one", async () => {
    const r = rig({ processes: 1 });
    const started2 = collect(r.events.on.bind(r.events), "reload-started");
    await started(r);
    const first = r.site.reload("one");
    await r.clock.settle();
    const second = r.site.reload("two");
    const third = r.site.reload("three");
    assert.equal(second, third, "the third joins the queued second");
    assert.notEqual(first, second, "a reload under way is not joined: it may have read the old files");
    const results = await Promise.all([first, second, third]);
    assert.deepEqual(
      results.map((x) => x.ok),
      [true, true, true],
    );
    assert.deepEqual(
      started2.map((e) => [e.generation, e.reason]),
      [
        [2, "one"],
        [3, "two"],
      ],
    );
    assert.equal(r.spawner.spawned.length, 3);
  });

  it("a reload answers once the old generation stopped; with untilDrained: false as the new one serves, and the next operation does not wait for the drain, a stop does", async () => {
    const r = rig({ processes: 1, stopTimeoutMs: 3000 });
    const stopped = collect(r.events.on.bind(r.events), "process-stopped");
    await started(r);
    const [first] = r.spawner.spawned;
    assert.ok(first !== undefined);
    first.stopBehaviour = "hangs"; // a long request: it ends only at stopTimeout
    const served = await r.site.reload("one", { untilDrained: false });
    assert.equal(served.ok, true, served.message);
    assert.deepEqual([first.alive, first.signals], [true, ["SIGTERM"]], "generation 1 still drains");
    // The next reload runs at once, though generation 1 still drains; by default it answers
    // once its old generation (2) has stopped.
    const [second] = r.spawner.ofGeneration(2);
    assert.ok(second !== undefined);
    second.stopBehaviour = "hangs";
    let answered = false;
    const again = r.site.reload("two").then((result) => ((answered = true), result));
    await r.clock.settle();
    assert.equal(r.spawner.ofGeneration(3).length, 1, "generation 3 started while generation 1 drains");
    assert.equal(r.site.state.kind, "running");
    assert.equal(answered, false, "the default answer waits for generation 2 to stop");
    await r.clock.advance(3000);
    assert.equal((await again).ok, true);
    assert.deepEqual(second.signals, ["SIGTERM", "SIGKILL"]);
    assert.equal(first.alive, false, "generation 1 was killed at its own stopTimeout");
    // A stop waits for whatever still drains.
    const [third] = r.spawner.ofGeneration(3);
    assert.ok(third !== undefined);
    third.stopBehaviour = "hangs";
    assert.equal((await r.site.reload("three", { untilDrained: false })).ok, true);
    const stop = r.site.stop();
    await r.clock.advance(2999);
    assert.equal(r.site.state.kind, "stopping", "the stop waits for generation 3's drain");
    await r.clock.advance(1);
    assert.equal((await stop).ok, true);
    assert.deepEqual(stopped.map((e) => [e.generation, e.killed]).sort(), [
      [1, true],
      [2, true],
      [3, true],
      [4, false],
    ]);
  });

  it("a stop that the process ignores escalates to SIGKILL at stopTimeout", async () => {
    const r = rig({ processes: 1, stopTimeoutMs: 3000 });
    const stopped = collect(r.events.on.bind(r.events), "process-stopped");
    await started(r);
    const [proc] = r.spawner.spawned;
    assert.ok(proc !== undefined);
    proc.stopBehaviour = "hangs";
    const stop = r.site.stop();
    await r.clock.advance(2999);
    assert.equal(r.site.state.kind, "stopping");
    await r.clock.advance(1);
    assert.equal((await stop).ok, true);
    assert.deepEqual(proc.signals, ["SIGTERM", "SIGKILL"]);
    assert.deepEqual(
      stopped.map((e) => [e.killed, e.ms]),
      [[true, 3000]],
    );
  });

  it("a generation grows and shrinks at run time", async () => {
    const r = rig({ processes: 1 });
    await started(r);
    assert.equal((await r.site.addProcess()).ok, true);
    assert.equal((await r.site.addProcess()).ok, true);
    assert.deepEqual(
      r.site.snapshot().processes.map((p) => p.index),
      [1, 2, 3],
    );
    assert.equal(r.site.state.kind, "running");
    assert.equal((await r.site.removeProcess()).ok, true);
    assert.deepEqual(
      r.site.snapshot().processes.map((p) => p.index),
      [1, 2],
    );
    assert.equal(r.spawner.live().length, 2);
    assert.equal((await r.site.removeProcess()).ok, true);
    assert.equal((await r.site.removeProcess()).ok, false, "the last process is not removed");
  });
});
