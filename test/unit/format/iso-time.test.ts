/**
 * isoTime writes exactly what `Date.prototype.toISOString` writes, without touching ICU (that it does not is
 * checked on the supervisor itself in test/integration/start-path.test.ts).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { isoTime } from "../../../src/format/iso-time.js";

const FIRST_MS = -62_167_219_200_000; // 0000-01-01T00:00:00.000Z
const LAST_MS = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z

test("isoTime equals toISOString over years 0 to 9999, to the millisecond", () => {
  fc.assert(
    fc.property(fc.integer({ min: FIRST_MS, max: LAST_MS }), (ms) => isoTime(ms) === new Date(ms).toISOString()),
    { numRuns: 20_000 },
  );
});

test("isoTime at the edges: the epoch, leap days, century years, the range's ends, fractions and beyond", () => {
  const cases = [
    0,
    -1,
    1,
    Date.UTC(2000, 1, 29, 23, 59, 59, 999),
    Date.UTC(2024, 1, 29),
    Date.UTC(1900, 1, 28, 12),
    Date.UTC(1900, 2, 1),
    Date.UTC(2100, 2, 1) - 1,
    Date.UTC(1600, 1, 29),
    FIRST_MS,
    LAST_MS,
    LAST_MS + 1,
    FIRST_MS - 1,
    1.9,
    -1.9,
    8.64e15,
  ];
  for (const ms of cases) assert.equal(isoTime(ms), new Date(ms).toISOString(), `at ${ms}`);
  assert.equal(isoTime(0), "1970-01-01T00:00:00.000Z");
  assert.equal(isoTime(FIRST_MS), "0000-01-01T00:00:00.000Z");
  assert.throws(() => isoTime(Number.NaN), RangeError, "as toISOString: an invalid time throws");
  const before = Date.now();
  const now = Date.parse(isoTime());
  assert.ok(now >= before && now <= Date.now(), "with no argument: now");
});
