/**
 * A young-generation collection every `COLLECT_EVERY_BYTES` of buffers the log path let go.
 *
 * Each pipe read is a fresh buffer from Node (up to 64 KiB), and a console that cannot take a
 * chunk at once keeps the bytes framed for it; such buffers live outside V8's heap and are freed
 * only when V8 collects their handles. The log path allocates almost nothing else per line, so V8
 * would see no reason to collect for tens of megabytes of a flood — the supervisor's memory would
 * grow with it. A young collection takes tens of µs (the young generation holds little else).
 *
 * A flood is also when the supervisor is CPU-bound, the one time the JIT pays
 * (`supervisor/heap-budget.ts` keeps it off until then): the framing loops run ~2.5 × slower on
 * V8's baseline code than with TurboFan (supervisor CPU for a 500 000-line flood: 920–960 ns a line without it, 460–500 with it turned on here). The
 * budget's own gate counts young collections, which this path, allocating so little, makes too
 * few of; so `BUSY_BYTES` of output within `BUSY_WINDOW_MS` (4 MiB/s) turns the JIT on here —
 * soon enough to matter for a short flood (500 000 lines: 620–710 k lines/s with 4 MiB in 1 s,
 * 690–820 k with 1 MiB in 250 ms, 780–870 k with TurboFan never off; full bench runs).
 */
import { jitIsOn, jitOn, v8Collector } from "../runtime/v8-controls.js";

/**
 * Measured, 500 000-line flood, three each: the supervisor's peak RSS 62.7–63.2 MiB with 4 MiB
 * (1.26–1.27 × before the flood), 59.9–60.7 with 1 MiB (1.18–1.22 ×), for the same CPU
 * (120–150 ms either way).
 */
export const COLLECT_EVERY_BYTES = 1024 * 1024;
/** Output within `BUSY_WINDOW_MS` that makes the supervisor CPU-bound. */
export const BUSY_BYTES = 1024 * 1024;
const BUSY_WINDOW_MS = 250;

let sinceCollect = 0;
let windowStart = 0;
let inWindow = 0;

/** `bytes` of buffers became garbage (or soon will). */
export function dropped(bytes: number): void {
  if (!jitIsOn()) busy(bytes);
  sinceCollect += bytes;
  if (sinceCollect < COLLECT_EVERY_BYTES) return;
  sinceCollect = 0;
  v8Collector()?.({ type: "minor" });
}

function busy(bytes: number): void {
  const now = performance.now();
  if (now - windowStart > BUSY_WINDOW_MS) {
    windowStart = now;
    inWindow = 0;
  }
  inWindow += bytes;
  if (inWindow < BUSY_BYTES) return;
  jitOn();
}
