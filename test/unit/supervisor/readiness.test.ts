import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ReadyRule } from "../../../src/config/types.js";
import { waitReady, type ReadyOutcome } from "../../../src/supervisor/readiness.js";
import { FakeProcess, VirtualClock } from "./fakes.js";

function wait(
  rule: ReadyRule,
  timeoutMs = 1000,
): { clock: VirtualClock; proc: FakeProcess; abort: AbortController; outcome: () => ReadyOutcome | undefined } {
  const clock = new VirtualClock();
  const proc = new FakeProcess(1234, 1, 1, clock);
  const abort = new AbortController();
  let outcome: ReadyOutcome | undefined;
  void waitReady(proc, { rule, socket: undefined, timeoutMs, signal: abort.signal, clock }).then((o) => (outcome = o));
  return { clock, proc, abort, outcome: () => outcome };
}

function reasonOf(outcome: ReadyOutcome | undefined): string {
  return outcome === undefined ? "pending" : outcome.ok ? "ready" : outcome.reason;
}

describe("readiness on virtual time", () => {
  it("delay: ready once the process stayed up that long, not before", async () => {
    const w = wait({ type: "delay", ms: 300 });
    await w.clock.advance(299);
    assert.equal(w.outcome(), undefined);
    await w.clock.advance(1);
    assert.deepEqual(w.outcome(), { ok: true });
    assert.equal(w.clock.pending, 0, "no timer left behind");
  });

  it("notify: ready on the process's own ready message", async () => {
    const w = wait({ type: "notify" });
    await w.clock.settle();
    w.proc.send({ type: "loaded", files: [] });
    await w.clock.settle();
    assert.equal(w.outcome(), undefined);
    w.proc.ready();
    await w.clock.settle();
    assert.deepEqual(w.outcome(), { ok: true });
  });

  it("log: ready when a line of its output matches", async () => {
    const w = wait({ type: "log", pattern: "listening on \\d+" });
    w.proc.line("booting");
    await w.clock.settle();
    assert.equal(w.outcome(), undefined);
    w.proc.line("listening on 8000");
    await w.clock.settle();
    assert.deepEqual(w.outcome(), { ok: true });
  });

  it("times out at startTimeout", async () => {
    const w = wait({ type: "notify" }, 5000);
    await w.clock.advance(5000);
    assert.deepEqual(w.outcome(), { ok: false, reason: "timeout", message: "not ready within 5000 ms (startTimeout)" });
  });

  it("a process that exits first, or reports an error, is not ready; a stop cancels", async () => {
    const exited = wait({ type: "notify" });
    exited.proc.crash({ reason: "exit-code", code: 2 });
    await exited.clock.settle();
    assert.deepEqual(exited.outcome(), { ok: false, reason: "exited", message: "exited with code 2 before it was ready" });

    const failed = wait({ type: "notify" });
    failed.proc.send({ type: "error", message: "boom" });
    await failed.clock.settle();
    assert.deepEqual(reasonOf(failed.outcome()), "error");

    const cancelled = wait({ type: "delay", ms: 100 });
    cancelled.abort.abort();
    await cancelled.clock.settle();
    assert.deepEqual(cancelled.outcome(), { ok: false, reason: "cancelled", message: "cancelled" });
  });

  it("http without a socket is an error at once", async () => {
    const w = wait({ type: "http", path: "/" });
    await w.clock.settle();
    assert.deepEqual(reasonOf(w.outcome()), "error");
  });
});
