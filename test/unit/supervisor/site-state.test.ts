import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SlotState } from "../../../src/supervisor/process-slot.js";
import { deriveSiteState, type StateInput } from "../../../src/supervisor/site-state.js";
import { FakeProcess, VirtualClock } from "./fakes.js";

const proc = new FakeProcess(4242, 1, 1, new VirtualClock());
const running: SlotState = { kind: "running", proc, readyAt: 0 };
const starting: SlotState = { kind: "starting", proc, abort: new AbortController() };
const backoff: SlotState = { kind: "backoff", timer: { unref: () => undefined }, until: 500, lastExit: "pid 1 exited with code 1" };
const exited: SlotState = { kind: "exited", lastExit: "pid 1 exited with code 0" };
const fatal: SlotState = { kind: "fatal", reason: "gave up" };

function input(overrides: Partial<StateInput>): StateInput {
  return { operation: { kind: "none" }, current: undefined, fatal: undefined, idle: false, ...overrides };
}

const gen = (...slots: SlotState[]): StateInput["current"] => ({ id: 7, slots });

describe("site state derivation", () => {
  const cases: [string, StateInput, unknown][] = [
    ["no generation: stopped", input({}), { kind: "stopped" }],
    ["no generation, socket held: idle", input({ idle: true }), { kind: "idle" }],
    [
      "failed preparation: fatal with its cause",
      input({ fatal: { cause: "preparation", reason: "port in use" } }),
      { kind: "fatal", cause: "preparation", reason: "port in use" },
    ],
    ["every slot running", input({ current: gen(running, running) }), { kind: "running", generation: 7 }],
    ["one still starting", input({ current: gen(running, starting) }), { kind: "starting", generation: 7 }],
    [
      "one waiting to restart",
      input({ current: gen(running, backoff) }),
      { kind: "backoff", generation: 7, until: 500, lastExit: "pid 1 exited with code 1" },
    ],
    ["all down for good", input({ current: gen(exited, exited) }), { kind: "exited", generation: 7, lastExit: "pid 1 exited with code 0" }],
    ["one gave up", input({ current: gen(running, fatal) }), { kind: "fatal", cause: "crash-loop", reason: "gave up" }],
    [
      "a reload under way wins over the slots",
      input({ operation: { kind: "reloading", next: 8, reason: "edit" }, current: gen(running) }),
      { kind: "reloading", generation: 7, next: 8, reason: "edit" },
    ],
    [
      "a stop under way wins over everything",
      input({ operation: { kind: "stopping" }, current: gen(fatal) }),
      { kind: "stopping", generation: 7 },
    ],
  ];
  for (const [name, given, expected] of cases) {
    it(name, () => assert.deepEqual(deriveSiteState(given), expected));
  }
});
