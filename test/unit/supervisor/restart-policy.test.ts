import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  backoffDelay,
  decideRestart,
  EMPTY_HISTORY,
  STABLE_RUN_MS,
  type CrashHistory,
  type RestartPolicy,
} from "../../../src/supervisor/restart-policy.js";

const policy = (mode: RestartPolicy["mode"], count = 3, withinMs = 60_000): RestartPolicy => ({
  mode,
  backoff: { initialMs: 100, maxMs: 1000 },
  maxRestarts: { count, withinMs },
});
const crash = { clean: false, uptimeMs: 50 };
const clean = { clean: true, uptimeMs: 50 };

describe("restart policy", () => {
  it("on-failure restarts a crash and leaves a clean exit down", () => {
    assert.equal(decideRestart(policy("on-failure"), EMPTY_HISTORY, crash, 0, 0.5).action, "restart");
    assert.equal(decideRestart(policy("on-failure"), EMPTY_HISTORY, clean, 0, 0.5).action, "stay-down");
  });

  it("always restarts a clean exit too; never restarts nothing", () => {
    assert.equal(decideRestart(policy("always"), EMPTY_HISTORY, clean, 0, 0.5).action, "restart");
    assert.equal(decideRestart(policy("never"), EMPTY_HISTORY, crash, 0, 0.5).action, "stay-down");
  });

  it("doubles the delay per consecutive crash up to max", () => {
    let history: CrashHistory = EMPTY_HISTORY;
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const decision = decideRestart(policy("always", 100), history, crash, i * 10, 0.5);
      assert.equal(decision.action, "restart");
      delays.push(decision.delayMs);
      history = decision.history;
    }
    assert.deepEqual(delays, [0, 100, 200, 400, 800, 1000]);
  });

  it("jitter stays within ±10 % and never above max", () => {
    const backoff = { initialMs: 1000, maxMs: 5000 };
    assert.equal(backoffDelay(backoff, 1, 0.5), 0, "the first crash after a stable run restarts at once");
    assert.equal(backoffDelay(backoff, 2, 0), 900);
    assert.equal(backoffDelay(backoff, 2, 0.999_999), 1100);
    assert.equal(backoffDelay(backoff, 10, 0.999_999), 5000);
  });

  it("resets the backoff after a stable run", () => {
    const history: CrashHistory = { times: [1, 2, 3], consecutive: 5 };
    const decision = decideRestart(policy("always", 100), history, { clean: false, uptimeMs: STABLE_RUN_MS }, 100_000, 0.5);
    assert.equal(decision.action, "restart");
    assert.equal(decision.delayMs, 0);
    const again = decideRestart(policy("always", 100), decision.history, crash, 100_050, 0.5);
    assert.equal(again.action, "restart");
    assert.equal(again.delayMs, 100, "a crash right after that waits initial");
  });

  it("gives up after more than maxRestarts.count exits within the window", () => {
    let history: CrashHistory = EMPTY_HISTORY;
    const actions: string[] = [];
    for (let i = 0; i < 4; i++) {
      const decision = decideRestart(policy("on-failure", 3, 10_000), history, crash, i * 1000, 0.5);
      actions.push(decision.action);
      history = decision.history;
    }
    assert.deepEqual(actions, ["restart", "restart", "restart", "give-up"]);
  });

  it("forgets exits older than the window", () => {
    let history: CrashHistory = EMPTY_HISTORY;
    for (const t of [0, 1000, 2000]) history = decideRestart(policy("on-failure", 3, 10_000), history, crash, t, 0.5).history;
    const late = decideRestart(policy("on-failure", 3, 10_000), history, crash, 20_000, 0.5);
    assert.equal(late.action, "restart");
    assert.deepEqual(late.history.times, [20_000]);
  });
});
