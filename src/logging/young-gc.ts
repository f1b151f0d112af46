/**
 * A young-generation collection every `COLLECT_EVERY_BYTES` of buffers the log path let go.
 *
 * Each pipe read is a fresh buffer from Node (up to 64 KiB), and a console that cannot take a
 * chunk at once keeps the bytes framed for it; such buffers live outside V8's heap and are freed
 * only when V8 collects their handles. The log path allocates almost nothing else per line, so V8
 * would see no reason to collect for tens of megabytes of a flood — the supervisor's memory would
 * grow with it. A young collection takes tens of µs (the young generation holds little else).
 *
 * A flood is also when the supervisor is CPU-bound, the one time TurboFan pays
 * (`supervisor/heap-budget.ts` keeps it off until then): the framing loops run ~2.5 × slower on
 * V8's baseline code (supervisor CPU for a 500 000-line flood: 920–960 ns a line without it, 460–500 with it turned on here). The
 * budget's own gate counts young collections, which this path, allocating so little, makes too
 * few of; so `BUSY_BYTES` of output within a second turns TurboFan on here.
 */
import v8 from "node:v8";
import vm from "node:vm";

export const COLLECT_EVERY_BYTES = 4 * 1024 * 1024;
/** Output within `BUSY_WINDOW_MS` that makes the supervisor CPU-bound. */
export const BUSY_BYTES = 4 * 1024 * 1024;
const BUSY_WINDOW_MS = 1000;

let sinceCollect = 0;
let windowStart = 0;
let inWindow = 0;
let turbofan = false;
let collect: ((options: { type: "minor" }) => void) | undefined;

/** `bytes` of buffers became garbage (or soon will). */
export function dropped(bytes: number): void {
  if (!turbofan) busy(bytes);
  sinceCollect += bytes;
  if (sinceCollect < COLLECT_EVERY_BYTES) return;
  sinceCollect = 0;
  if (collect === undefined) {
    // V8's `gc` function, taken into a context of its own: the global `gc` stays unexposed.
    v8.setFlagsFromString("--expose-gc");
    collect = vm.runInNewContext("gc") as typeof collect;
    v8.setFlagsFromString("--no-expose-gc");
  }
  collect?.({ type: "minor" });
}

function busy(bytes: number): void {
  const now = performance.now();
  if (now - windowStart > BUSY_WINDOW_MS) {
    windowStart = now;
    inWindow = 0;
  }
  inWindow += bytes;
  if (inWindow < BUSY_BYTES) return;
  turbofan = true;
  v8.setFlagsFromString("--turbofan");
}
