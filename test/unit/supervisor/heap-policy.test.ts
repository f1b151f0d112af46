import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  afterTrim,
  GROWTH_BYTES,
  heapVerdict,
  MALLOC_WORTH_BYTES,
  mallocTrimWorth,
  QUIET_UTILIZATION,
  startWatch,
  type HeapWatch,
} from "../../../src/supervisor/heap-policy.js";

const MiB = 2 ** 20;
const quiet = QUIET_UTILIZATION / 2;
const busy = 0.5;

/** Feeds samples in order; the verdicts' kinds, and the watch at the end. */
function run(watch: HeapWatch, samples: readonly [physicalMiB: number, utilization: number][]): { kinds: string[]; watch: HeapWatch } {
  const kinds: string[] = [];
  for (const [physical, utilization] of samples) {
    const verdict = heapVerdict(watch, { physicalBytes: physical * MiB, utilization });
    kinds.push(verdict.kind);
    watch = verdict.next;
  }
  return { kinds, watch };
}

describe("heap policy", () => {
  it("trims a grown heap after two quiet samples in a row, not during a burst", () => {
    const { kinds } = run(startWatch(20 * MiB), [
      [30, busy],
      [30, quiet],
      [30, busy],
      [30, quiet],
      [30, quiet],
    ]);
    assert.deepEqual(kinds, ["wait", "wait", "wait", "wait", "trim"]);
  });

  it("leaves a heap alone that has not grown past 10 % and 1 MiB over its floor", () => {
    // 10 % of 20 MiB is 2 MiB: 21.9 is under it; with a 5 MiB floor, 10 % is under the 1 MiB minimum.
    assert.deepEqual(
      run(startWatch(20 * MiB), [
        [21.9, quiet],
        [21.9, quiet],
        [21.9, quiet],
      ]).kinds,
      ["wait", "wait", "wait"],
    );
    const small = startWatch(5 * MiB);
    assert.deepEqual(
      run(small, [
        [5 + GROWTH_BYTES / MiB - 0.01, quiet],
        [5.99, quiet],
      ]).kinds,
      ["wait", "wait"],
    );
    assert.deepEqual(
      run(small, [
        [6.2, quiet],
        [6.2, quiet],
      ]).kinds,
      ["wait", "trim"],
    );
  });

  it("after a trim under the bar, the size it reached is the new floor", () => {
    const trimmed = afterTrim({ floorBytes: 20 * MiB, quietSamples: 0, retry: false }, 21 * MiB);
    assert.deepEqual(trimmed, { floorBytes: 21 * MiB, quietSamples: 0, retry: false });
    // 23 MiB is under 10 % over 21: no further collection.
    assert.deepEqual(
      run(trimmed, [
        [23, quiet],
        [23, quiet],
        [23, quiet],
      ]).kinds,
      ["wait", "wait", "wait"],
    );
  });

  it("a trim that stays over the bar is retried once at the next quiet pair, then accepted as the floor", () => {
    const floor = 20 * MiB;
    const first = afterTrim({ floorBytes: floor, quietSamples: 0, retry: false }, 30 * MiB);
    assert.deepEqual(first, { floorBytes: floor, quietSamples: 0, retry: true });
    const { kinds, watch } = run(first, [
      [30, quiet],
      [30, quiet],
    ]);
    assert.deepEqual(kinds, ["wait", "trim"]);
    const second = afterTrim(watch, 29 * MiB);
    assert.deepEqual(second, { floorBytes: 29 * MiB, quietSamples: 0, retry: false });
    assert.deepEqual(
      run(second, [
        [30, quiet],
        [30, quiet],
        [30, quiet],
      ]).kinds,
      ["wait", "wait", "wait"],
    );
  });

  it("asks malloc for its free pages where libc is loaded; otherwise only once outside-V8 memory grew enough to pay for loading it", () => {
    const floor = 6 * MiB;
    assert.equal(mallocTrimWorth({ libcLoaded: true, outsideBytes: floor, outsideFloorBytes: floor }), true, "loaded: every trim");
    assert.equal(mallocTrimWorth({ libcLoaded: false, outsideBytes: floor, outsideFloorBytes: floor }), false, "start-up's own trim");
    assert.equal(mallocTrimWorth({ libcLoaded: false, outsideBytes: floor + MALLOC_WORTH_BYTES - 1, outsideFloorBytes: floor }), false);
    assert.equal(mallocTrimWorth({ libcLoaded: false, outsideBytes: floor + MALLOC_WORTH_BYTES, outsideFloorBytes: floor }), true);
    assert.equal(
      mallocTrimWorth({ libcLoaded: false, outsideBytes: floor - MiB, outsideFloorBytes: floor }),
      false,
      "shrunk below the floor",
    );
    assert.ok(MALLOC_WORTH_BYTES > 2 * MiB, "more than koffi keeps resident once loaded (~1.7 MiB)");
  });
});
