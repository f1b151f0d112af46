/**
 * The log path's collections over off-heap buffers, and its TurboFan trigger for a flood
 * (`logging/young-gc.ts` through `runtime/v8-controls.ts`).
 */
import assert from "node:assert/strict";
import { constants, PerformanceObserver } from "node:perf_hooks";
import { describe, it } from "node:test";
import { BUSY_BYTES, COLLECT_EVERY_BYTES, dropped } from "../../../src/logging/young-gc.js";
import { gcEntryKind, jitIsOn, jitOff, jitOn, v8Collector } from "../../../src/runtime/v8-controls.js";
import { waitFor } from "../../../kit/wait-for.js";

/**
 * Young collections seen after `act` runs: performance entries arrive on a later turn (later
 * still on a loaded machine), so this waits until one has come, for 2 s at most — an idle test
 * process allocates far too little in that time to collect on its own.
 */
async function minorCollectionsAfter(act: () => void): Promise<number> {
  let minors = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (gcEntryKind(entry) === constants.NODE_PERFORMANCE_GC_MINOR) minors += 1;
  });
  observer.observe({ entryTypes: ["gc"] });
  try {
    act();
    await waitFor("a minor collection's performance entry", () => minors >= 1, { timeoutMs: 2000, intervalMs: 5 }).catch(() => undefined);
    return minors;
  } finally {
    observer.disconnect();
  }
}

describe("young-gc", () => {
  it("V8's collector is reachable without --expose-gc, and the global gc stays unexposed", () => {
    assert.equal(typeof v8Collector(), "function");
    assert.equal((globalThis as { gc?: unknown }).gc, undefined);
  });

  it("a young collection runs once COLLECT_EVERY_BYTES of buffers were dropped", async () => {
    const at = await minorCollectionsAfter(() => dropped(COLLECT_EVERY_BYTES));
    assert.ok(at >= 1, `a minor collection after ${COLLECT_EVERY_BYTES} bytes (saw ${at})`);
  });

  it("BUSY_BYTES of output within a second turns TurboFan on when it was off", () => {
    jitOff();
    try {
      dropped(BUSY_BYTES / 2);
      assert.equal(jitIsOn(), false, "half the busy threshold leaves it off");
      dropped(BUSY_BYTES / 2);
      assert.equal(jitIsOn(), true);
    } finally {
      jitOn();
    }
  });

  it("every copy of v8-controls sees one TurboFan state (a bundled build has two: main.js and run.cjs)", async () => {
    const copy = (await import(
      `../../../src/runtime/v8-controls.js?copy=${Date.now()}`
    )) as typeof import("../../../src/runtime/v8-controls.js");
    assert.notEqual(copy.jitOn, jitOn, "a second instance of the module");
    jitOff();
    try {
      assert.equal(copy.jitIsOn(), false);
      copy.jitOn();
      assert.equal(jitIsOn(), true);
    } finally {
      jitOn();
    }
  });
});
