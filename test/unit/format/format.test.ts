/**
 * The one formatter of each: durations, sizes, addresses — what `check`, `status`, logs and
 * errors print.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseListen } from "../../../src/config/listen.js";
import { parseDuration, parseSize } from "../../../src/config/units.js";
import { formatAddress } from "../../../src/format/address.js";
import { formatDuration } from "../../../src/format/duration.js";
import { formatSize, formatSizeCoarse } from "../../../src/format/size.js";

test("exact durations are written as sites.yaml takes them, and parse back to the same ms", () => {
  const cases: [number, string][] = [
    [0, "0s"],
    [250, "250ms"],
    [1000, "1s"],
    [90_000, "1m30s"],
    [3_600_000, "1h"],
    [3_605_000, "1h5s"],
    [5_400_500, "5400500ms"],
  ];
  for (const [ms, text] of cases) {
    assert.equal(formatDuration(ms), text);
    assert.deepEqual(parseDuration(text), { ok: true, value: ms }, text);
  }
});

test("coarse durations give the two largest units of an uptime", () => {
  assert.deepEqual(
    [999, 45_000, 303_400, 7_500_000, 3 * 86_400_000 + 4 * 3_600_000 + 59_000].map((ms) => formatDuration(ms, "coarse")),
    ["0s", "45s", "5m3s", "2h5m", "3d4h"],
  );
});

test("sizes: a whole unit when the bytes are one (parsing back), else one decimal", () => {
  for (const [bytes, text] of [
    [10 * 1024 ** 2, "10MB"],
    [1024 ** 3, "1GB"],
    [100, "100B"],
  ] as const) {
    assert.equal(formatSize(bytes), text);
    assert.deepEqual(parseSize(text), { ok: true, value: bytes });
  }
  assert.deepEqual([1536, 124_046_540, 1.25 * 1024 ** 3 + 1].map(formatSize), ["1.5KB", "118.3MB", "1.3GB"]);
});

test("coarse sizes: the largest unit, one decimal, none when it is .0", () => {
  assert.deepEqual([42_972 * 1024, 44_003_328, 40 * 1024 ** 2, 1536, 1.25 * 1024 ** 3, 512].map(formatSizeCoarse), [
    "42MB",
    "42MB",
    "40MB",
    "1.5KB",
    "1.3GB",
    "512B",
  ]);
  assert.equal(formatSizeCoarse(43_900_000), "41.9MB");
});

test("addresses are written as in listen:, brackets around IPv6, and parse back", () => {
  for (const text of ["127.0.0.1:8001", "[::1]:8001", "web.internal:80", "unix:/run/a.sock"]) {
    const parsed = parseListen(text);
    assert.ok(parsed.ok, text);
    assert.equal(formatAddress(parsed.value), text);
  }
  assert.equal(formatAddress({ type: "tcp", host: "fe80::1", port: 80 }), "[fe80::1]:80");
});
