/**
 * `maxMemory`: a process whose resident size (its whole group: a gunicorn master and its
 * worker count together) stays over the limit for two samples in a row is replaced gracefully —
 * the site reloads, new generation first, so no request is dropped. One sample over the limit
 * is a spike, not a leak.
 */
import { formatSize } from "../format/size.js";
import { groupRss } from "../process/proc-stat.js";
import type { Clock, ClockTimer } from "../time/clock.js";
import type { Site } from "./site.js";

export const MEMORY_SAMPLE_MS = 5000;
const SAMPLES_OVER = 2;

export interface MemoryWatch {
  stop(): void;
}

export function watchMemory(site: Site, clock: Clock, sampleMs = MEMORY_SAMPLE_MS): MemoryWatch {
  const over = new Map<number, number>();
  let busy = false;
  let stopped = false;
  let timer: ClockTimer;
  const schedule = (): void => {
    if (stopped) return;
    timer = clock.setTimeout(sample, sampleMs);
    timer.unref();
  };
  const sample = (): void => {
    schedule();
    const limit = site.config.maxMemoryBytes;
    if (limit === undefined || busy || site.state.kind !== "running") return;
    busy = true;
    void (async () => {
      for (const proc of site.processes()) {
        const rss = groupRss(proc.pid);
        const count = rss > limit ? (over.get(proc.pid) ?? 0) + 1 : 0;
        over.set(proc.pid, count);
        if (count >= SAMPLES_OVER) {
          over.clear();
          await site.reload(`pid ${proc.pid} uses ${formatSize(rss)}, over maxMemory ${formatSize(limit)}`);
          break;
        }
      }
    })().finally(() => (busy = false));
  };
  schedule();
  return {
    stop: () => {
      stopped = true;
      clock.clearTimeout(timer);
    },
  };
}
