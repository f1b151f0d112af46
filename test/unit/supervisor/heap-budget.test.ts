import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setImmediate as nextTurn } from "node:timers/promises";
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
});
