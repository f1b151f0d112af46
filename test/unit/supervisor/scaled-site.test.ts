/**
 * A site with `processes: {min, max, idle}` on virtual time: fake processes, a fake watch that
 * fires when the test says a connection waits, and a fake kernel view (queue length, who holds
 * connections). Only the socket is real (bound and listened on, never connected to).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ResolvedSite, Scaling } from "../../../src/config/types.js";
import type { ReadableWatch } from "../../../src/sockets/readable-watch.js";
import { SupervisorEvents } from "../../../src/supervisor/events.js";
import type { SocketLoad } from "../../../src/supervisor/scaler.js";
import { Site } from "../../../src/supervisor/site.js";
import { freePort } from "../../../kit/free-port.js";
import { resolvedSite } from "../../../kit/resolved-site.js";
import { FakeSpawner, silentLog, VirtualClock } from "./fakes.js";

class FakeWatch implements ReadableWatch {
  readonly armed = new Map<number, () => void>();
  once(fd: number, ready: () => void): () => void {
    this.armed.set(fd, ready);
    return () => {
      if (this.armed.get(fd) === ready) this.armed.delete(fd);
    };
  }
  close(): void {
    this.armed.clear();
  }
  /** A connection waits: the armed watch fires (once). */
  fire(): void {
    const [entry] = this.armed;
    assert.ok(entry !== undefined, "the socket is watched");
    this.armed.delete(entry[0]);
    entry[1]();
  }
}

class FakeLoad implements SocketLoad {
  queue = 0;
  /** pid → connections it holds. */
  readonly held = new Map<number, number>();
  readonly answers: string[] = [];
  queued(): number {
    return this.queue;
  }
  connections(_socket: unknown, pids: readonly number[]): Promise<ReadonlyMap<number, number>> {
    return Promise.resolve(new Map(pids.map((pid) => [pid, this.held.get(pid) ?? 0])));
  }
  answer(_socket: unknown, reason: string): number {
    this.answers.push(reason);
    const waiting = this.queue;
    this.queue = 0;
    return waiting;
  }
}

async function rig(scaling: Scaling, overrides: Partial<ResolvedSite> = {}) {
  const clock = new VirtualClock();
  const spawner = new FakeSpawner(clock);
  spawner.onSpawn = (proc) => proc.ready();
  const watch = new FakeWatch();
  const load = new FakeLoad();
  const config = resolvedSite({
    listen: { type: "tcp", host: "127.0.0.1", port: await freePort() },
    ready: { type: "notify" },
    processes: Math.max(scaling.min, 1),
    scaling,
    startTimeoutMs: 5000,
    stopTimeoutMs: 3000,
    ...overrides,
  });
  const site = new Site(config, {
    log: silentLog(),
    clock,
    random: () => 0.5,
    events: new SupervisorEvents(),
    spawn: spawner.spawn,
    watch: () => watch,
    socketLoad: () => load,
  });
  return { clock, spawner, watch, load, site };
}

/** The state's name, read fresh (not narrowed by an earlier assertion). */
const stateOf = (site: Site): string => site.state.kind;

describe("a scaled site on virtual time", () => {
  it("idle → woken by a connection → scaled up by a queue → down to one after idle → idle again", async () => {
    const r = await rig({ min: 0, max: 3, idleMs: 60_000 });
    try {
      const started = await r.site.start();
      assert.equal(started.ok, true, started.message);
      assert.equal(stateOf(r.site), "idle");
      assert.equal(r.spawner.spawned.length, 0, "no process until a connection");

      r.load.queue = 3;
      r.watch.fire();
      await r.clock.settle();
      assert.equal(r.spawner.spawned.length, 1, "the first connection starts max(min, 1) = 1");
      assert.equal(stateOf(r.site), "running");

      // Every process busy and connections waiting: one more per decision, up to max.
      const first = r.spawner.spawned[0];
      r.load.queue = 40;
      if (first !== undefined) r.load.held.set(first.pid, 1);
      for (let i = 0; i < 6; i++) {
        await r.clock.advance(100);
        if (r.watch.armed.size > 0) r.watch.fire();
        await r.clock.settle();
        for (const proc of r.spawner.live()) r.load.held.set(proc.pid, 1);
      }
      assert.equal(r.spawner.live().length, 3, "scaled to max, and no further");

      // The burst is over: nothing waits, nobody holds a connection.
      r.load.queue = 0;
      r.load.held.clear();
      await r.clock.advance(59_000);
      assert.equal(r.spawner.live().length, 3, "nothing stopped before `idle`");
      await r.clock.advance(2_000);
      assert.equal(r.spawner.live().length, 0, "after idle: every process stopped, one at a time, the last one too (min 0)");
      assert.equal(stateOf(r.site), "idle");
      assert.equal(r.site.snapshot().scaling?.lastConnectionAt !== undefined, true);

      // Woken again.
      r.load.queue = 1;
      r.watch.fire();
      await r.clock.settle();
      assert.equal(r.spawner.live().length, 1);
    } finally {
      await r.site.remove();
    }
  });

  it("a process holding a connection is never stopped, however long the site is otherwise quiet", async () => {
    const r = await rig({ min: 1, max: 2, idleMs: 10_000 });
    try {
      await r.site.start();
      assert.equal(r.spawner.live().length, 1, "min processes at start");
      r.load.queue = 5;
      const [first] = r.spawner.live();
      if (first !== undefined) r.load.held.set(first.pid, 1);
      r.watch.fire();
      await r.clock.settle();
      assert.equal(r.spawner.live().length, 2);
      r.load.queue = 0;
      const second = r.spawner.live()[1];
      if (second !== undefined) r.load.held.set(second.pid, 1);
      await r.clock.advance(120_000);
      assert.equal(r.spawner.live().length, 2, "both hold a connection: neither is stopped");
      r.load.held.clear();
      await r.clock.advance(15_000);
      assert.equal(r.spawner.live().length, 1, "back to min once quiet for idle");
      assert.equal(stateOf(r.site), "running");
    } finally {
      await r.site.remove();
    }
  });

  it("a reload replaces as many processes as are up, new generation first; the scaler keeps going on the new one", async () => {
    const r = await rig({ min: 1, max: 3, idleMs: 30_000 });
    try {
      await r.site.start();
      const [first] = r.spawner.live();
      if (first !== undefined) r.load.held.set(first.pid, 1);
      r.load.queue = 10;
      r.watch.fire();
      await r.clock.settle();
      assert.equal(r.spawner.live().length, 2, "scaled to 2");
      r.load.queue = 0;
      const reloaded = await r.site.reload("test");
      assert.equal(reloaded.ok, true, reloaded.message);
      assert.equal(r.spawner.ofGeneration(1).filter((p) => p.alive).length, 0, "the old generation is stopped");
      assert.equal(r.spawner.live().length, 2, "as many as were up");
      assert.deepEqual(
        r.spawner.live().map((p) => p.generation),
        [2, 2],
      );
      r.load.held.clear();
      await r.clock.advance(40_000);
      assert.equal(r.spawner.live().length, 1, "scaled back to min on the new generation");
    } finally {
      await r.site.remove();
    }
  });

  it("an idle site given a fixed count starts it; given a higher min, starts up to it", async () => {
    const r = await rig({ min: 0, max: 2, idleMs: 30_000 });
    try {
      await r.site.start();
      assert.equal(stateOf(r.site), "idle");
      const raised = await r.site.update({ ...r.site.config, scaling: { min: 2, max: 3, idleMs: 30_000 }, processes: 2 }, false);
      assert.equal(raised.ok, true, raised.message);
      await r.clock.settle();
      assert.equal(r.spawner.live().length, 2, "min 2: two processes at once");
      const fixed = await r.site.update({ ...r.site.config, scaling: undefined, processes: 3 }, false);
      assert.equal(fixed.ok, true, fixed.message);
      assert.equal(r.spawner.live().length, 3, "a reload to the fixed count");
      assert.equal(stateOf(r.site), "running");
    } finally {
      await r.site.remove();
    }
  });

  it("an idle site turned into a fixed count starts its processes", async () => {
    const r = await rig({ min: 0, max: 2, idleMs: 30_000 });
    try {
      await r.site.start();
      const fixed = await r.site.update({ ...r.site.config, scaling: undefined, processes: 2 }, false);
      assert.equal(fixed.ok, true, fixed.message);
      assert.equal(r.spawner.live().length, 2);
      assert.equal(stateOf(r.site), "running");
    } finally {
      await r.site.remove();
    }
  });

  it("a crashed process of a scaled site restarts in its place, as any site's", async () => {
    const r = await rig({ min: 1, max: 2, idleMs: 30_000 });
    try {
      await r.site.start();
      r.spawner.live()[0]?.crash();
      await r.clock.advance(10);
      assert.equal(r.spawner.spawned.length, 2, "restarted at once");
      assert.equal(r.spawner.live().length, 1);
      assert.equal(stateOf(r.site), "running");
    } finally {
      await r.site.remove();
    }
  });

  it("a program that cannot start: the waiting connections are answered with the reason, then the site goes fatal", async () => {
    const r = await rig(
      { min: 0, max: 2, idleMs: 10_000 },
      { maxRestarts: { count: 1, withinMs: 60_000 }, backoff: { initialMs: 100, maxMs: 100 } },
    );
    r.spawner.onSpawn = (proc) => proc.crash({ reason: "exit-code", code: 3 });
    try {
      await r.site.start();
      r.load.queue = 4;
      r.watch.fire();
      await r.clock.advance(50);
      assert.ok(r.load.answers.length > 0, "answered while the process waits to restart");
      assert.match(r.load.answers[0] ?? "", /exited with code 3/);
      await r.clock.advance(5_000);
      assert.equal(stateOf(r.site), "fatal");
    } finally {
      await r.site.remove();
    }
  });
});
