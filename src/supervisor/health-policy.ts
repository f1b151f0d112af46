/**
 * `health:` as a pure decision: after each liveness probe, how many failures in a row, whether
 * the site's processes must be replaced, and when the next probe goes. Probes never stack: the
 * next one is scheduled only once the last has answered or timed out, `every` after the last
 * one started (at once when it took longer).
 *
 *   probe ok ─────────────→ failures 0
 *   probe failed ─────────→ failures + 1 ── reaches `failures` ──→ replace, failures 0
 *   new generation ───────→ failures 0 (its processes are not the ones that failed)
 */
import type { HealthPlan } from "../config/types.js";

export type ProbeResult =
  | { readonly ok: true; readonly status: number }
  | { readonly ok: false; readonly why: "refused" | "timeout" | "error"; readonly message: string }
  | { readonly ok: false; readonly why: "status"; readonly status: number; readonly message: string };

export interface HealthState {
  /** Failed probes in a row of this generation. */
  readonly failures: number;
  readonly generation: number;
}

export const HEALTH_START: HealthState = { failures: 0, generation: 0 };

export type HealthVerdict =
  | { readonly action: "keep"; readonly state: HealthState; readonly nextInMs: number }
  | { readonly action: "replace"; readonly state: HealthState; readonly nextInMs: number; readonly reason: string };

export function judgeProbe(
  plan: HealthPlan,
  state: HealthState,
  probe: { readonly generation: number; readonly startedAt: number; readonly result: ProbeResult },
  now: number,
): HealthVerdict {
  const nextInMs = Math.max(0, plan.everyMs - (now - probe.startedAt));
  // A probe of a generation that has since been replaced says nothing about the new one.
  const base = probe.generation === state.generation ? state.failures : 0;
  if (probe.result.ok) return { action: "keep", state: { failures: 0, generation: probe.generation }, nextInMs };
  const failures = base + 1;
  if (failures < plan.failures) return { action: "keep", state: { failures, generation: probe.generation }, nextInMs };
  return {
    action: "replace",
    state: { failures: 0, generation: probe.generation },
    nextInMs,
    reason: `unhealthy: ${failures} failed probes of ${plan.path} in a row (last: ${probe.result.message})`,
  };
}
