/**
 * When the supervisor gives memory back: a pure decision over samples of its V8 heap, taken
 * every few seconds (`heap-budget.ts` does the sampling and the trimming).
 *
 * V8 keeps whatever a burst made it commit — a start-up, a log flood, a chaos run — until
 * something forces a compacting collection, and an idle Node process never does (measured:
 * 200 sites, 15 s idle, no collection at all). So the budget trims once the heap has grown past
 * the size it had after its last trim and the process has been quiet for two samples in a row
 * (V8 shrinks the young generation only when its allocation rate over the last ~5 s is low).
 * A trim that could not get back under the bar is retried once at the next quiet pair, then its
 * size becomes the new floor, so a heap that is simply bigger now (more sites) costs no more
 * collections.
 *
 *   watching ──grown & quiet twice──▶ trim ──under the bar──▶ watching (floor = after)
 *                                       └──still over──▶ retry once ──▶ watching (floor = after)
 */

/** Event-loop utilisation under which a sample counts as quiet (a tenth of an idle core is far above). */
export const QUIET_UTILIZATION = 0.05;
/** Growth over the floor that is worth a collection: 10 % and at least 1 MiB. */
export const GROWTH_RATIO = 1.1;
export const GROWTH_BYTES = 2 ** 20;

export interface HeapSample {
  /** V8's committed physical heap size, in bytes. */
  readonly physicalBytes: number;
  /** Event-loop utilisation since the previous sample, 0–1. */
  readonly utilization: number;
}

export interface HeapWatch {
  /** Physical size after the last trim (or at the start). */
  readonly floorBytes: number;
  /** Consecutive quiet samples so far. */
  readonly quietSamples: number;
  /** The last trim ended over the bar; one more is allowed. */
  readonly retry: boolean;
}

export type HeapVerdict = { readonly kind: "wait"; readonly next: HeapWatch } | { readonly kind: "trim"; readonly next: HeapWatch };

export function startWatch(physicalBytes: number): HeapWatch {
  return { floorBytes: physicalBytes, quietSamples: 0, retry: false };
}

function overBar(physicalBytes: number, floorBytes: number): boolean {
  return physicalBytes > floorBytes * GROWTH_RATIO && physicalBytes - floorBytes > GROWTH_BYTES;
}

/** One sample in: trim now or keep waiting. */
export function heapVerdict(watch: HeapWatch, sample: HeapSample): HeapVerdict {
  const quietSamples = sample.utilization < QUIET_UTILIZATION ? watch.quietSamples + 1 : 0;
  const next = { ...watch, quietSamples };
  if (quietSamples >= 2 && overBar(sample.physicalBytes, watch.floorBytes)) return { kind: "trim", next: { ...next, quietSamples: 0 } };
  return { kind: "wait", next };
}

/** After a trim: the new floor, and whether one retry is still owed. */
export function afterTrim(watch: HeapWatch, physicalBytes: number): HeapWatch {
  const retry = !watch.retry && overBar(physicalBytes, watch.floorBytes);
  // While a retry is owed the floor stays where it was, so the retry's bar is the old one.
  return retry ? { ...watch, quietSamples: 0, retry } : { floorBytes: physicalBytes, quietSamples: 0, retry: false };
}

/**
 * Growth of the memory outside V8's heap and its buffers (malloc's, most of it) over its size at
 * start-up's trim that is worth loading libc for, to give malloc's free pages back: koffi, once
 * loaded, stays resident (~1.7 MiB measured), so a supervisor that has nothing else to load it
 * for does so only once malloc may hold much more than that.
 */
export const MALLOC_WORTH_BYTES = 4 * 2 ** 20;

export interface OutsideSample {
  /** libc is loaded already (the subreaper, PID 1, systemd's notify socket, an on-demand site). */
  readonly libcLoaded: boolean;
  /** Resident private memory less V8's heap and the memory its objects hold outside it, in bytes. */
  readonly outsideBytes: number;
  /** The same, at start-up's trim. */
  readonly outsideFloorBytes: number;
}

/** Whether a trim asks malloc to give its free pages back (`malloc_trim`). */
export function mallocTrimWorth(sample: OutsideSample): boolean {
  return sample.libcLoaded || sample.outsideBytes - sample.outsideFloorBytes >= MALLOC_WORTH_BYTES;
}
