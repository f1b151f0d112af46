import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ReloadQueue } from "../../../src/watch/reload-queue.js";

/** A reload that ends when the test says so. */
function controlledRuns(): { runs: (readonly string[])[]; finish(): void; run: (paths: readonly string[]) => Promise<void> } {
  const runs: (readonly string[])[] = [];
  const pending: (() => void)[] = [];
  return {
    runs,
    finish: () => pending.shift()?.(),
    run: (paths) => {
      runs.push(paths);
      return new Promise((resolve) => pending.push(resolve));
    },
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("reload queue", () => {
  it("runs a push at once when idle", () => {
    const c = controlledRuns();
    new ReloadQueue(c.run).push(["/a"]);
    assert.deepEqual(c.runs, [["/a"]]);
  });

  it("merges every push during a reload into exactly one more, run after it", async () => {
    const c = controlledRuns();
    const queue = new ReloadQueue(c.run);
    queue.push(["/a"]);
    queue.push(["/b"]);
    queue.push(["/c", "/b"]);
    queue.push(["/a"]);
    assert.equal(c.runs.length, 1);
    c.finish();
    await tick();
    assert.deepEqual(c.runs, [["/a"], ["/b", "/c", "/a"]]);
    c.finish();
    await tick();
    assert.equal(c.runs.length, 2, "nothing stacked behind");
  });

  it("runs nothing more after close", async () => {
    const c = controlledRuns();
    const queue = new ReloadQueue(c.run);
    queue.push(["/a"]);
    queue.push(["/b"]);
    queue.close();
    c.finish();
    await tick();
    queue.push(["/c"]);
    assert.deepEqual(c.runs, [["/a"]]);
  });

  it("ignores an empty batch", () => {
    const c = controlledRuns();
    new ReloadQueue(c.run).push([]);
    assert.deepEqual(c.runs, []);
  });
});
