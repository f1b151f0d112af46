/**
 * The chaos run, shortened (the full one is `npm run chaos`, 60 s).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runChaos } from "../../kit/chaos.js";

test("under random kills, stops and concurrent control commands every site comes back and nothing leaks", async () => {
  const report = await runChaos({ seconds: 8, say: (line) => console.log(line) });
  console.log(JSON.stringify({ actions: report.actions, failedShare: report.failedShare, before: report.before, after: report.after }));
  assert.ok(report.allRunning, "every site is running at the end");
  assert.deepEqual(report.stray, [], "no process outside the supervisor");
  assert.ok(report.after.fds <= report.before.fds + 2, `fds ${report.before.fds} → ${report.after.fds}`);
  assert.ok(
    report.after.heapUsedBytes < report.before.heapUsedBytes + 30 * 1048576,
    `heap ${report.before.heapUsedBytes} → ${report.after.heapUsedBytes}`,
  );
  assert.ok(report.load["web"] !== undefined && report.load["web"].ok > 0, "requests were served");
  assert.ok(report.failedShare < 0.05, `failed share ${report.failedShare}`);
});
