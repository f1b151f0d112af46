/**
 * Bounded load at a fixed rate on fresh connections: `rate` GETs per second until `stop()`,
 * `maxMs` or `maxRequests`, whichever comes first. Every request that does not end in a 200 is
 * counted by kind (refused, reset, timeout, non-200 status), so a reload that drops requests
 * shows exactly how.
 */
import { get, type FailureKind } from "./http.js";

export interface LoadReport {
  readonly sent: number;
  readonly ok: number;
  readonly failed: number;
  readonly byKind: Readonly<Record<FailureKind, number>>;
  /** Slowest successful answer, ms. */
  readonly maxMs: number;
  /** Distinct `version` values the fixture answered with. */
  readonly versions: readonly string[];
}

export interface Load {
  stop(): Promise<LoadReport>;
}

export function startLoad(
  port: number,
  options: { rate: number; maxMs: number; maxRequests?: number; timeoutMs?: number; path?: string },
): Load {
  const started = performance.now();
  const maxRequests = options.maxRequests ?? Math.ceil((options.rate * options.maxMs) / 1000);
  const byKind: Record<FailureKind, number> = { refused: 0, reset: 0, timeout: 0, status: 0, other: 0 };
  const versions = new Set<string>();
  let sent = 0;
  let ok = 0;
  let maxMs = 0;
  const inflight = new Set<Promise<void>>();
  // A fixed schedule (not setInterval drift): request k is due at started + k / rate.
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const tick = (): void => {
    if (stopped) return;
    const now = performance.now();
    const due = Math.min(maxRequests, Math.floor(((now - started) * options.rate) / 1000) + 1);
    if (now - started > options.maxMs || sent >= maxRequests) return;
    while (sent < due) {
      sent += 1;
      const p: Promise<void> = get(port, options.path ?? "/", options.timeoutMs ?? 10_000)
        .then((answer) => {
          if (answer.ok) {
            ok += 1;
            maxMs = Math.max(maxMs, answer.ms);
            const version = /"version":"([^"]*)"/.exec(answer.body)?.[1];
            if (version !== undefined) versions.add(version);
          } else byKind[answer.kind] += 1;
        })
        .finally(() => inflight.delete(p));
      inflight.add(p);
    }
    timer = setTimeout(tick, Math.max(1, 1000 / options.rate / 2));
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      // Every request carries its own timeout, so this wait is bounded too.
      await Promise.all([...inflight]);
      const failed = Object.values(byKind).reduce((a, b) => a + b, 0);
      return { sent, ok, failed, byKind: { ...byKind }, maxMs, versions: [...versions] };
    },
  };
}
