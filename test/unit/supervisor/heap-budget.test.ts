import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fs from "node:fs";
import v8 from "node:v8";
import vm from "node:vm";
import { setImmediate as nextTurn } from "node:timers/promises";
import { waitFor } from "../../../kit/wait-for.js";
import { v8Collector } from "../../../src/runtime/v8-controls.js";
import { startHeapBudget } from "../../../src/supervisor/heap-budget.js";

/** An object only a WeakRef holds, made in a job of its own (a WeakRef keeps its target for the job that made it). */
function orphan(): WeakRef<object> {
  return new WeakRef({ payload: new Array<number>(1000).fill(1) });
}

describe("heap budget", () => {
  it("trim runs a full collection: an object nothing holds is gone after it", async () => {
    const budget = startHeapBudget();
    try {
      const ref = orphan();
      await nextTurn();
      assert.notEqual(ref.deref(), undefined, "a young object survives until a collection reaches it");
      // deref() kept it for this job too.
      await nextTurn();
      const sizes = budget.trim();
      assert.equal(ref.deref(), undefined);
      assert.ok(sizes.beforeBytes > 0 && sizes.afterBytes > 0);
    } finally {
      budget.close();
    }
  });

  it("trim gives the pages malloc holds free back to the kernel", async () => {
    const rssAnonKiB = (): number => Number(/RssAnon:\s+(\d+)/.exec(fs.readFileSync("/proc/self/status", "utf8"))?.[1] ?? NaN);
    const budget = startHeapBudget();
    try {
      // 24 MiB of 64 KiB buffers (under glibc's mmap threshold: they come from malloc's heap),
      // every eighth kept, so the heap cannot shrink from its top: ~21 MiB free inside it.
      let all: Buffer[] = Array.from({ length: 384 }, () => Buffer.allocUnsafeSlow(64 * 1024).fill(1));
      const kept = all.filter((_, i) => i % 8 === 7);
      all = [];
      await nextTurn();
      // A full collection frees the buffers; their pages stay resident (measured: RssAnon does not move).
      v8Collector()?.();
      await nextTurn();
      const before = rssAnonKiB();
      // V8 frees a dead buffer's memory on a thread of its own after the collection: on a loaded
      // machine some are still in malloc's hands at the first trim (6 MiB given back once under a
      // loaded test run), so each trim gives back what has been freed by then, until 8 MiB.
      let after = before;
      const enough = await waitFor(
        "8 MiB given back",
        () => {
          budget.trim();
          after = rssAnonKiB();
          return before - after > 8 * 1024;
        },
        { timeoutMs: 3000, intervalMs: 20 },
      ).catch(() => false);
      assert.ok(enough, `RssAnon ${before} -> ${after} KiB: at least 8 MiB given back`);
      assert.equal(kept.length, 48);
    } finally {
      budget.close();
    }
  });

  it("trim drops the bytecode of functions that are not running; they still run after it", () => {
    // One big function, run once (as start-up runs the config's checks): ~1 MiB of bytecode, so
    // that what the flush gives back stands well clear of what else moves in a loaded test run.
    const body = Array.from({ length: 40000 }, (_, i) => `x = (x * 31 + ${i}) % 1000003;`).join("\n");
    const once = vm.runInThisContext(`(function once() {\nlet x = 1;\n${body}\nreturn x;\n})`) as () => number;
    const answer = once();
    v8Collector()?.();
    const before = v8.getHeapStatistics().used_heap_size;
    // Starting the budget trims once (the one after start-up).
    const budget = startHeapBudget();
    try {
      const after = v8.getHeapStatistics().used_heap_size;
      // Measured: -1.0 to -1.1 MiB across the trim; +0.3 MiB when the trim only collects.
      assert.ok(before - after > 512 * 1024, `heap used ${before} -> ${after} bytes: the bytecode is gone`);
      assert.equal(once(), answer, "compiled again from source when called");
    } finally {
      budget.close();
    }
  });
});
