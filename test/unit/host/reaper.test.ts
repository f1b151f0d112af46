/**
 * The reaper's looks for adopted orphans on virtual timers: after an event, 1 s, then doubling up
 * to the longest interval; a SIGCHLD or a started site brings them back to 1 s. (Reaping itself,
 * with real orphans and signals, is test/host/pid1.test.ts and escapees.test.ts.)
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import type { Libc } from "../../../src/native/libc.js";
import { startReaper, type LookTimers } from "../../../src/host/reaper.js";

/** Timers that fire only when the test says, recording each delay asked for. */
function virtualTimers(): LookTimers & { delays: number[]; fire(): void; pending(): number } {
  let next: { callback: () => void; ms: number } | undefined;
  const delays: number[] = [];
  return {
    delays,
    set(callback, ms) {
      delays.push(ms);
      next = { callback, ms };
      return next;
    },
    clear(timer) {
      if (timer === next) next = undefined;
    },
    fire() {
      const due = next;
      next = undefined;
      due?.callback();
    },
    pending: () => (next === undefined ? 0 : 1),
  };
}

/** No zombie is ever reaped here: waitpid finds none. */
const libc = { waitpid: () => ({ ok: true, value: { pid: 0, status: 0 } }) } as unknown as Libc;

it("looks 1 s after start, then backs off by doubling to the longest interval", () => {
  const timers = virtualTimers();
  const reaper = startReaper({ libc, timers, lookMs: { first: 1000, max: 8000 }, onSignal: () => () => undefined });
  for (let i = 0; i < 5; i++) timers.fire();
  assert.deepEqual(timers.delays, [1000, 2000, 4000, 8000, 8000, 8000]);
  reaper.close();
});

it("a started site or a SIGCHLD brings the next look back to 1 s", async () => {
  const timers = virtualTimers();
  let signal: (() => void) | undefined;
  const reaper = startReaper({
    libc,
    timers,
    lookMs: { first: 1000, max: 60_000 },
    onSignal: (listener) => {
      signal = listener;
      return () => (signal = undefined);
    },
  });
  timers.fire();
  timers.fire();
  reaper.wake();
  assert.deepEqual(timers.delays, [1000, 2000, 4000, 1000]);
  timers.fire();
  assert.equal(timers.delays.at(-1), 2000);
  signal?.();
  assert.equal(timers.delays.at(-1), 1000);
  // The SIGCHLD's own scan runs on the next turn of the loop.
  await new Promise((resolve) => setImmediate(resolve));
  reaper.close();
  assert.equal(timers.pending(), 0, "closed: no look left");
  assert.equal(signal, undefined, "closed: the SIGCHLD listener is off");
});
