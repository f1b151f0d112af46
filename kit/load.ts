/**
 * Bounded load at a fixed rate on fresh connections: `rate` GETs per second until `stop()`,
 * `maxMs` or `maxRequests`, whichever comes first. Every request that does not end in a 200 is
 * counted by kind (refused, reset, timeout, non-200 status), so a reload that drops requests
 * shows exactly how.
 */
import { probe, type FailureKind } from "./http.js";

export interface LoadReport {
  readonly sent: number;
  readonly ok: number;
  readonly failed: number;
  readonly byKind: Readonly<Record<FailureKind, number>>;
  /** What each failure was, in order ("status 502", "connect ECONNREFUSED …"). */
  readonly errors: readonly string[];
  /** Bodies of the successful answers, in order. */
  readonly bodies: readonly string[];
  /** Slowest successful answer, ms. */
  readonly maxMs: number;
  /** Distinct `version` values the fixture answered with. */
  readonly versions: readonly string[];
}

export interface Load {
  stop(): Promise<LoadReport>;
}

export function loadLoop(
  port: number,
  options: { rate?: number; maxMs?: number; maxRequests?: number; timeoutMs?: number; path?: string } = {},
): Load {
  const rate = options.rate ?? 100;
  const maxMs = options.maxMs ?? 30_000;
  const started = performance.now();
  const maxRequests = options.maxRequests ?? Math.ceil((rate * maxMs) / 1000);
  const byKind: Record<FailureKind, number> = { refused: 0, reset: 0, timeout: 0, status: 0, other: 0 };
  const errors: string[] = [];
  const bodies: string[] = [];
  const versions = new Set<string>();
  let sent = 0;
  let ok = 0;
  let slowest = 0;
  const inflight = new Set<Promise<void>>();
  // A fixed schedule (not setInterval drift): request k is due at started + k / rate.
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const tick = (): void => {
    if (stopped) return;
    const now = performance.now();
    const due = Math.min(maxRequests, Math.floor(((now - started) * rate) / 1000) + 1);
    if (now - started > maxMs || sent >= maxRequests) return;
    while (sent < due) {
      sent += 1;
      const p: Promise<void> = probe(port, options.path ?? "/", options.timeoutMs ?? 10_000)
        .then((answer) => {
          if (answer.ok) {
            ok += 1;
            bodies.push(answer.body);
            slowest = Math.max(slowest, answer.ms);
            const version = /"version":"([^"]*)"/.exec(answer.body)?.[1];
            if (version !== undefined) versions.add(version);
          } else {
            byKind[answer.kind] += 1;
            errors.push(answer.detail);
          }
        })
        .finally(() => inflight.delete(p));
      inflight.add(p);
    }
    timer = setTimeout(tick, Math.max(1, 1000 / rate / 2));
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      // Every request carries its own timeout, so this wait is bounded too.
      await Promise.all([...inflight]);
      return { sent, ok, failed: errors.length, byKind: { ...byKind }, errors, bodies, maxMs: slowest, versions: [...versions] };
    },
  };
}
