import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Debouncer, type Timers } from "../../../src/watch/debounce.js";

/** Virtual timers: `advance` runs whatever falls due. */
function virtualTimers(): Timers & { advance(ms: number): void } {
  let now = 0;
  let nextId = 0;
  const pending = new Map<number, { at: number; callback: () => void }>();
  return {
    setTimeout(callback, ms) {
      nextId += 1;
      pending.set(nextId, { at: now + ms, callback });
      return nextId;
    },
    clearTimeout(handle) {
      pending.delete(handle as number);
    },
    advance(ms) {
      now += ms;
      for (const [id, timer] of [...pending]) {
        if (timer.at <= now) {
          pending.delete(id);
          timer.callback();
        }
      }
    },
  };
}

describe("debouncer", () => {
  it("turns a burst of 20 saves within 200 ms into one flush with every path", () => {
    const timers = virtualTimers();
    const flushes: string[][] = [];
    const debouncer = new Debouncer(100, (paths) => flushes.push(paths), timers);
    for (let i = 0; i < 20; i++) {
      debouncer.push(`/src/file${i % 3}.ts`);
      timers.advance(10);
    }
    assert.equal(flushes.length, 0);
    timers.advance(100);
    assert.equal(flushes.length, 1);
    assert.deepEqual(flushes[0]?.sort(), ["/src/file0.ts", "/src/file1.ts", "/src/file2.ts"]);
  });

  it("flushes separately for saves further apart than the delay", () => {
    const timers = virtualTimers();
    const flushes: string[][] = [];
    const debouncer = new Debouncer(100, (paths) => flushes.push(paths), timers);
    debouncer.push("/a");
    timers.advance(150);
    debouncer.push("/b");
    timers.advance(150);
    assert.deepEqual(flushes, [["/a"], ["/b"]]);
  });

  it("cancel drops what is pending", () => {
    const timers = virtualTimers();
    const flushes: string[][] = [];
    const debouncer = new Debouncer(100, (paths) => flushes.push(paths), timers);
    debouncer.push("/a");
    debouncer.cancel();
    timers.advance(500);
    assert.deepEqual(flushes, []);
  });
});
