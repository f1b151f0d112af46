/**
 * `health:` on virtual time: the pure verdict after each probe, and the watch that never
 * stacks probes, counts only a serving generation and replaces after `failures` in a row.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { HealthPlan, ListenAddress } from "../../../src/config/types.js";
import { HEALTH_START, judgeProbe, type ProbeResult } from "../../../src/supervisor/health-policy.js";
import { watchHealth, type WatchedSite } from "../../../src/supervisor/health-watch.js";
import type { Clock } from "../../../src/time/clock.js";
import { VirtualClock } from "./fakes.js";

const PLAN: HealthPlan = { path: "/health", everyMs: 1000, timeoutMs: 200, failures: 3 };
const OK: ProbeResult = { ok: true, status: 200 };
const FAIL: ProbeResult = { ok: false, why: "status", status: 500, message: "answered 500" };

test("judgeProbe: failures in a row replace; a success resets; the next probe is `every` after the last started", () => {
  let state = HEALTH_START;
  const steps: [ProbeResult, string][] = [
    [FAIL, "keep"],
    [FAIL, "keep"],
    [OK, "keep"],
    [FAIL, "keep"],
    [FAIL, "keep"],
    [FAIL, "replace"],
    [FAIL, "keep"],
  ];
  for (const [index, [result, action]] of steps.entries()) {
    const verdict = judgeProbe(PLAN, state, { generation: 1, startedAt: 0, result }, 150);
    assert.equal(verdict.action, action, `step ${index}`);
    assert.equal(verdict.nextInMs, 850);
    state = verdict.state;
  }
  assert.equal(state.failures, 1);
  // A probe that took longer than `every`: the next one at once, never two at a time.
  assert.equal(judgeProbe(PLAN, HEALTH_START, { generation: 1, startedAt: 0, result: OK }, 5000).nextInMs, 0);
});

test("judgeProbe: failures of a replaced generation do not count against the new one", () => {
  const two = judgeProbe(PLAN, { failures: 2, generation: 1 }, { generation: 2, startedAt: 0, result: FAIL }, 0);
  assert.equal(two.action, "keep");
  assert.deepEqual(two.state, { failures: 1, generation: 2 });
  const verdict = judgeProbe(PLAN, { failures: 2, generation: 1 }, { generation: 1, startedAt: 0, result: FAIL }, 0);
  assert.equal(verdict.action, "replace");
  assert.match(verdict.reason, /3 failed probes of \/health in a row \(last: answered 500\)/);
});

/** A site whose probes answer from a script; a probe resolves after `latencyMs` of virtual time. */
function fakeSite(clock: VirtualClock, answers: () => ProbeResult, latencyMs = 50) {
  let generation: number | undefined = 1;
  let inFlight = 0;
  let maxInFlight = 0;
  const probes: number[] = [];
  const replaced: string[] = [];
  const site: WatchedSite = {
    config: { health: PLAN, listen: { type: "tcp", host: "127.0.0.1", port: 1 } },
    servingGeneration: () => generation,
    replaceUnhealthy: (reason) => {
      replaced.push(reason);
      generation = (generation ?? 0) + 1;
      return Promise.resolve();
    },
  };
  const probe = (_address: ListenAddress, _path: string, _timeoutMs: number, c: Clock): Promise<ProbeResult> => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    probes.push(c.now());
    return new Promise((resolve) =>
      c.setTimeout(() => {
        inFlight -= 1;
        resolve(answers());
      }, latencyMs),
    );
  };
  return {
    site,
    probe,
    probes,
    replaced,
    maxInFlight: () => maxInFlight,
    setServing: (g: number | undefined) => (generation = g),
  };
}

test("watchHealth: a healthy site is never replaced over 60 s of probing, one probe at a time", async () => {
  const clock = new VirtualClock();
  const fake = fakeSite(clock, () => OK);
  const watch = watchHealth(fake.site, clock, fake.probe);
  await clock.advance(60_000);
  watch.stop();
  assert.equal(fake.replaced.length, 0);
  assert.ok(fake.probes.length >= 55, `probed ${fake.probes.length} times`);
  assert.equal(fake.maxInFlight(), 1);
});

test("watchHealth: three 500s in a row → replaced, once; within every × failures + timeout", async () => {
  const clock = new VirtualClock();
  let answer: ProbeResult = FAIL;
  const fake = fakeSite(clock, () => answer, PLAN.timeoutMs);
  const watch = watchHealth(fake.site, clock, fake.probe);
  await clock.advance(PLAN.everyMs * PLAN.failures + PLAN.timeoutMs);
  assert.equal(fake.replaced.length, 1);
  answer = OK;
  await clock.advance(10_000);
  watch.stop();
  assert.equal(fake.replaced.length, 1);
  assert.equal(fake.maxInFlight(), 1);
});

test("watchHealth: probes only a serving site; a probe that never answers still never stacks", async () => {
  const clock = new VirtualClock();
  const fake = fakeSite(clock, () => FAIL, 5000);
  fake.setServing(undefined);
  const watch = watchHealth(fake.site, clock, fake.probe);
  await clock.advance(5000);
  assert.equal(fake.probes.length, 0);
  fake.setServing(1);
  await clock.advance(20_000);
  watch.stop();
  assert.equal(fake.maxInFlight(), 1);
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the assert above narrowed it to 0; the advance probed since
  assert.ok(fake.probes.length <= 5, `probed ${fake.probes.length} times`);
});
