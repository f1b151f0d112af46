/**
 * The one source of time for the supervisor core: `supervisor/`, `process/kill`, readiness,
 * hot reload and the state file take a `Clock`, so restart, reload and stop behaviour can be
 * tested on virtual time in milliseconds. Real time enters only at the top (`cli/run.ts`).
 */
/** Just the timers (the debouncer needs no more). */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** An opaque timer; `unref` keeps a safety-net timer from holding the process open. */
export interface ClockTimer {
  unref(): void;
}

export interface Clock extends Timers {
  now(): number;
  setTimeout(callback: () => void, ms: number): ClockTimer;
  clearTimeout(timer: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

/** Resolves after `ms` of the clock's time; `unref` as for a safety-net timer. */
export function sleep(clock: Clock, ms: number, unref = false): Promise<void> {
  return new Promise((resolve) => {
    const timer = clock.setTimeout(resolve, ms);
    if (unref) timer.unref();
  });
}
