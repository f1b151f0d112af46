/**
 * The supervisor's own V8 heap, kept near what it holds (`heap-policy.ts` decides when).
 *
 * Three things make an idle Node supervisor far bigger than its live objects (measured with
 * 200 idle sites: 65 MiB of heap committed for 24 MiB live):
 * - the young generation grows from 2 to 32 MiB in any burst of allocation (loading the run
 *   path alone takes it to 4) and never shrinks while the process is idle, because shrinking
 *   happens only at a collection and an idle process collects nothing;
 * - start-up garbage promoted to the old generation leaves its pages committed until a
 *   compacting collection, which V8 does not start on its own either;
 * - TurboFan, which start-up's loops (YAML, validation, 200 spawns) wake, touches ~3.7 MiB more
 *   of the node binary that stays resident (measured, 20 sites: RssFile 44.9 → 41.2 MiB
 *   without it; at 200 sites it wakes again just after start-up unless gated); 200 sites start as fast on V8's baseline compiler (1.4–2.2 s either way);
 *   Sparkplug, that baseline compiler, ~0.7 MiB more (`runtime/v8-controls.ts`).
 * So the young generation is held at its initial size and the JIT (both compilers) is off until
 * every site has started, and stays off until the supervisor is CPU-bound (`JitGate`; the
 * log path measured about the same without it: 620–630 vs 590–620 ms of CPU for 1 M lines, its
 * work being in native code). The young generation may then grow to `YOUNG_CAP_BYTES` (the log
 * path needs that much: supervisor CPU for a 1 M-line flood 530–560 ms with 4 MiB semi-spaces,
 * 550–620 with V8's 16, 750–820 with 1), and a compacting collection runs right after start-up and whenever the heap has grown and
 * the process has gone quiet. Each costs one full collection of a heap of a few tens of MiB
 * (~10–30 ms), only after a burst, never on a timer alone.
 *
 * These are V8 flags set at run time (`v8.setFlagsFromString`); every one used here is read
 * when V8 acts on it (a young-generation growth, a full collection), not only at start.
 */
import fs from "node:fs";
import { constants, PerformanceObserver, performance, type EventLoopUtilization } from "node:perf_hooks";
import v8 from "node:v8";
import { gcEntryKind, jitOn, v8Collector } from "../runtime/v8-controls.js";
import { libc, libcIfLoaded } from "../native/libc.js";
import { afterTrim, heapVerdict, mallocTrimWorth, startWatch, type HeapWatch } from "./heap-policy.js";

/** Young generation's ceiling after start-up: two semi-spaces of 4 MiB. */
export const YOUNG_CAP_BYTES = 8 * 2 ** 20;
/** How often the heap and the event loop's utilisation are sampled. */
export const SAMPLE_MS = 3000;

export interface HeapBudget {
  /** A compacting collection now; the committed size before and after, in bytes. */
  trim(): { readonly beforeBytes: number; readonly afterBytes: number };
  close(): void;
}

function physicalBytes(): number {
  return v8.getHeapStatistics().total_physical_size;
}

/**
 * The process's private resident memory (RssAnon) less V8's heap and what its objects hold
 * outside it (buffers): malloc's blocks, free ones among them, and the threads' stacks. 0 where
 * /proc cannot be read.
 */
function outsideV8Bytes(): number {
  let anonKiB: number;
  try {
    anonKiB = Number(/^RssAnon:\s+(\d+)/m.exec(fs.readFileSync("/proc/self/status", "utf8"))?.[1] ?? 0);
  } catch {
    return 0;
  }
  const heap = v8.getHeapStatistics();
  return Math.max(0, anonKiB * 1024 - heap.total_physical_size - heap.external_memory);
}

function youngBytes(): number {
  return v8.getHeapSpaceStatistics().find((space) => space.space_name === "new_space")?.space_size ?? 0;
}

/**
 * Lets the young generation double again until it reaches the cap, then holds it there. V8
 * grows it inside a collection, so the check runs on each collection's performance entry; the
 * entry arrives after the collection, so the size may end one doubling over the cap.
 */
class YoungCap {
  #observer: PerformanceObserver | undefined;

  allow(): void {
    if (this.#observer !== undefined || youngBytes() >= YOUNG_CAP_BYTES) return;
    v8.setFlagsFromString("--semi-space-growth-factor=2");
    const observer = new PerformanceObserver(() => {
      if (youngBytes() >= YOUNG_CAP_BYTES) this.#hold();
    });
    observer.observe({ entryTypes: ["gc"] });
    this.#observer = observer;
  }

  #hold(): void {
    v8.setFlagsFromString("--semi-space-growth-factor=1");
    this.#observer?.disconnect();
    this.#observer = undefined;
  }

  /** V8's own growth again (its default factor), as before `holdDuringStartUp`. */
  close(): void {
    this.#observer?.disconnect();
    this.#observer = undefined;
    v8.setFlagsFromString("--semi-space-growth-factor=2");
  }
}

/**
 * When the supervisor counts as CPU-bound: this many young collections within `BUSY_WINDOW_MS`
 * (a log flood makes hundreds a second; a storm of restarts and reloads a few), or a 3 s sample
 * with the event loop busy at least `BUSY_UTILIZATION` of the time.
 */
export const BUSY_COLLECTIONS = 50;
export const BUSY_WINDOW_MS = 1000;
export const BUSY_UTILIZATION = 0.5;

/**
 * The JIT back once the supervisor is CPU-bound, the only time it pays: a supervisor that
 * restarts and reloads sites, answers status and writes logs at a normal rate runs as well on
 * V8's interpreter, and TurboFan costs it for good ~3.6 MiB of node-binary pages and ~2.5 MiB
 * of its own memory (measured: after a 20 s chaos run and 15 s quiet, 1.13 × the RSS before with
 * TurboFan, 1.01 × without). Not right after start-up either: it would optimise on their next
 * call the functions start-up made hot, for nothing.
 */
class JitGate {
  #observer: PerformanceObserver | undefined;

  constructor() {
    const minors: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        if (gcEntryKind(entry) !== constants.NODE_PERFORMANCE_GC_MINOR) continue;
        minors.push(entry.startTime);
        while (minors.length > 0 && (minors[0] ?? 0) < entry.startTime - BUSY_WINDOW_MS) minors.shift();
        if (minors.length >= BUSY_COLLECTIONS) this.open();
      }
    });
    observer.observe({ entryTypes: ["gc"] });
    this.#observer = observer;
  }

  open(): void {
    if (this.#observer === undefined) return;
    this.#observer.disconnect();
    this.#observer = undefined;
    jitOn();
  }
}

/** After start-up: the JIT back once busy, one trim now, the young generation's cap, a trim after each quiet burst. */
export function startHeapBudget(): HeapBudget {
  const jit = new JitGate();
  const collect = v8Collector();
  const young = new YoungCap();
  let outsideFloorBytes: number | undefined;
  const trim = (): { beforeBytes: number; afterBytes: number } => {
    const beforeBytes = physicalBytes();
    if (collect !== undefined) {
      // Compaction moves live objects off sparse pages so the pages can be released. And the
      // bytecode and baseline code of every function not running is dropped, as V8 does by
      // itself only for functions left unused over five full collections (rare in a quiet
      // supervisor): what start-up alone ran (the config's parsing and checks, each site's
      // first spawn) is compiled again from source if it is ever called again, ~1–2 MiB less
      // resident at 20 sites (measured).
      v8.setFlagsFromString("--compact-on-every-full-gc");
      v8.setFlagsFromString("--stress-flush-code");
      v8.setFlagsFromString("--flush-baseline-code");
      collect();
      v8.setFlagsFromString("--no-flush-baseline-code");
      v8.setFlagsFromString("--no-stress-flush-code");
      v8.setFlagsFromString("--no-compact-on-every-full-gc");
    }
    // What the collection freed outside V8's heap (buffers, the parser's and libuv's blocks) is
    // back in malloc's free lists, and stays resident until malloc is asked to give it back —
    // where libc is loaded already, or once what lies outside V8 has grown enough to pay for
    // loading it: at start-up koffi alone would keep more resident than the trim gives back
    // (measured, 20 sites: ~1.7 MiB for koffi against 0.1–0.2 MiB trimmed).
    const outsideBytes = outsideV8Bytes();
    outsideFloorBytes ??= outsideBytes;
    if (mallocTrimWorth({ libcLoaded: libcIfLoaded() !== undefined, outsideBytes, outsideFloorBytes })) {
      const loaded = libc();
      if (loaded.ok) loaded.libc.mallocTrim();
    }
    young.allow();
    return { beforeBytes, afterBytes: physicalBytes() };
  };

  let watch: HeapWatch = startWatch(trim().afterBytes);
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const utilization = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    if (utilization >= BUSY_UTILIZATION) jit.open();
    const verdict = heapVerdict(watch, { physicalBytes: physicalBytes(), utilization });
    watch = verdict.kind === "trim" ? afterTrim(verdict.next, trim().afterBytes) : verdict.next;
  }, SAMPLE_MS);
  timer.unref();
  return {
    trim,
    close: () => {
      clearInterval(timer);
      jit.open();
      young.close();
    },
  };
}
