/**
 * What a site looks like from outside (`status`): its state, and per process its pid, state,
 * generation and why it is down. A pure view of the site's slots.
 */
import type { ResolvedSite } from "../config/types.js";
import { formatAddress } from "../format/address.js";
import type { ProcessSlot } from "./process-slot.js";
import type { SiteStateName } from "./site-state.js";

export interface ProcessSnapshot {
  readonly index: number;
  readonly pid: number | undefined;
  readonly state: string;
  readonly generation: number;
  readonly startedAt: number | undefined;
  readonly restarts: number;
  readonly detail: string | undefined;
}

export interface SiteSnapshot {
  readonly name: string;
  readonly state: SiteStateName;
  readonly kind: string;
  readonly address: string | undefined;
  readonly generation: number;
  readonly restarts: number;
  readonly processes: readonly ProcessSnapshot[];
  readonly reason: string | undefined;
  /** `processes: {min, max, idle}`: the bounds, and when a connection last waited on the socket. */
  readonly scaling: ScalingSnapshot | undefined;
}

export interface ScalingSnapshot {
  readonly min: number;
  readonly max: number;
  readonly idleMs: number;
  /** Epoch ms; undefined before the site first listened. */
  readonly lastConnectionAt: number | undefined;
}

export interface SnapshotInput {
  readonly name: string;
  readonly state: SiteStateName;
  readonly config: ResolvedSite;
  readonly generation: number;
  readonly slots: readonly ProcessSlot[];
  readonly reason: string | undefined;
  /** Restarts not of a slot's own (a `health:` replacement), added to theirs. */
  readonly extraRestarts?: number;
  readonly scaling: ScalingSnapshot | undefined;
}

export function siteSnapshot(input: SnapshotInput): SiteSnapshot {
  return {
    name: input.name,
    state: input.state,
    kind: input.config.kind.type,
    address: input.config.listen === undefined ? undefined : formatAddress(input.config.listen),
    generation: input.generation,
    restarts: input.slots.reduce((sum, slot) => sum + slot.restarts, 0) + (input.extraRestarts ?? 0),
    reason: input.reason,
    scaling: input.scaling,
    processes: input.slots.map((slot) => {
      const state = slot.state;
      const proc = slot.proc;
      return {
        index: slot.deps.index,
        pid: proc?.pid,
        state: state.kind,
        generation: slot.deps.generation,
        startedAt: proc?.startedAt,
        restarts: slot.restarts,
        detail:
          state.kind === "backoff" || state.kind === "exited"
            ? state.lastExit
            : state.kind === "fatal" || state.kind === "failed"
              ? state.reason
              : undefined,
      };
    }),
  };
}
