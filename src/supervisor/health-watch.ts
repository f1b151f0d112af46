/**
 * `health:` — liveness after readiness. While the site is `running`, one probe at a time
 * (`health-probe.ts`), judged by `health-policy.ts`; `failures` in a row replace the site's
 * processes gracefully (`Site.replaceUnhealthy`: new generation first, counted as a restart
 * with reason `unhealthy`, backoff and crash-loop limits as for a crash).
 */
import type { HealthPlan, ListenAddress } from "../config/types.js";
import type { Clock, ClockTimer } from "../time/clock.js";
import { HEALTH_START, judgeProbe, type HealthState, type ProbeResult } from "./health-policy.js";
import { probeHealth } from "./health-probe.js";

/** What the watch needs of a site (a `Site`; tests give a fake). */
export interface WatchedSite {
  readonly config: { readonly health: HealthPlan | undefined; readonly listen: ListenAddress | undefined };
  /** The generation now serving, when the site is `running`; else undefined (no probe). */
  servingGeneration(): number | undefined;
  replaceUnhealthy(reason: string): Promise<unknown>;
}

export type Probe = (address: ListenAddress, path: string, timeoutMs: number, clock: Clock) => Promise<ProbeResult>;

export interface HealthWatch {
  stop(): void;
}

export function watchHealth(site: WatchedSite, clock: Clock, probe: Probe = probeHealth): HealthWatch {
  let state: HealthState = HEALTH_START;
  let stopped = false;
  let timer: ClockTimer | undefined;
  const schedule = (ms: number): void => {
    if (stopped) return;
    timer = clock.setTimeout(() => void tick(), ms);
    timer.unref();
  };
  const tick = async (): Promise<void> => {
    const plan = site.config.health;
    const address = site.config.listen;
    if (plan === undefined || address === undefined) return;
    const generation = site.servingGeneration();
    if (generation === undefined) {
      // Not serving (starting, reloading, backoff…): look again later, counting nothing.
      schedule(plan.everyMs);
      return;
    }
    const startedAt = clock.now();
    const result = await probe(address, plan.path, plan.timeoutMs, clock);
    if (stopped) return;
    const verdict = judgeProbe(plan, state, { generation, startedAt, result }, clock.now());
    state = verdict.state;
    if (verdict.action === "replace") await site.replaceUnhealthy(verdict.reason);
    schedule(verdict.nextInMs);
  };
  // The first probe one period after the watch starts: readiness has just been checked.
  schedule(site.config.health?.everyMs ?? 0);
  return {
    stop: () => {
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
    },
  };
}
