/**
 * How many processes a site with `processes: {min, max, idle}` should run: a pure function of
 * what its processes are doing, its accept queue and the time — tested on virtual time.
 *
 * - Fewer than `min` → add up to `min` (a `reload-config` raised it, or the site just started).
 * - None, and a connection waits → start `max(min, 1)`: the connection that woke the site waits
 *   in the kernel's backlog and is served by them.
 * - Connections wait in the accept queue while the processes that serve are busy → add one, one
 *   per decision (none while the only processes are still starting: a site just woken may take
 *   every waiting connection with its first process). A process still starting will take at
 *   least one of the waiting connections, so another is
 *   added only while more connections wait than processes are starting: a burst reaches `max`
 *   without waiting for each start, a single straggler does not add a process per decision.
 * - A process beyond `min` that has held no connection for `idle`, and holds none now, is
 *   stopped (the longest idle first, one at a time). The last one (`min: 0`) only when the
 *   site's socket itself has seen no connection for `idle` and none waits.
 */
import type { Scaling } from "../config/types.js";

export interface ScaledProcess {
  /** The slot's position (`alpha.2` → 2). */
  readonly index: number;
  readonly phase: "starting" | "serving";
  /** Connections it holds now (accepted, not yet closed). */
  readonly connections: number;
  /** When it last held a connection, or became ready if it never did. */
  readonly lastActiveAt: number;
}

export interface ScaleInput {
  readonly scaling: Scaling;
  readonly processes: readonly ScaledProcess[];
  /** Connections waiting in the accept queue; undefined when the kernel would not say. */
  readonly queued: number | undefined;
  /** When the site's socket last had a connection waiting (the watch fired). */
  readonly lastConnectionAt: number;
  /**
   * This decision follows the socket signalling a waiting connection. Processes are added only
   * then: right after a process became ready the queue still holds what it is about to accept.
   */
  readonly signalled: boolean;
  readonly now: number;
}

export type ScaleDecision =
  | { readonly action: "none"; readonly recheckAt: number | undefined }
  | { readonly action: "add"; readonly count: number; readonly why: "below-min" | "woken" | "queue" }
  | { readonly action: "stop"; readonly index: number; readonly idleMs: number };

export function decideScale(input: ScaleInput): ScaleDecision {
  const { scaling, processes, now } = input;
  const queued = input.queued ?? 0;
  const count = processes.length;
  if (count < scaling.min) return { action: "add", count: scaling.min - count, why: "below-min" };
  // The socket signalled: a connection waits, whatever the queue read says a moment later (or
  // when the kernel would not say).
  if (count === 0) return input.signalled ? { action: "add", count: Math.max(scaling.min, 1), why: "woken" } : none(undefined);
  const starting = processes.filter((p) => p.phase === "starting").length;
  // Only once a process serves is a queue a sign of busy processes: a site just woken may well
  // take all its waiting connections with its first process.
  const busy = input.signalled && starting < count && queued > starting;
  if (busy) return count < scaling.max ? { action: "add", count: 1, why: "queue" } : none(undefined);
  // Nothing is stopped while a process starts or connections wait: the load is still changing.
  if (starting > 0 || queued > 0) return none(undefined);
  if (count <= scaling.min) return none(undefined);
  const last = count === 1;
  const quietSince = (p: ScaledProcess): number => (last ? Math.max(p.lastActiveAt, input.lastConnectionAt) : p.lastActiveAt);
  const candidates = processes.filter((p) => p.connections === 0).sort((a, b) => quietSince(a) - quietSince(b) || b.index - a.index);
  const idlest = candidates[0];
  if (idlest === undefined) return none(now + scaling.idleMs);
  const idleMs = now - quietSince(idlest);
  if (idleMs >= scaling.idleMs) return { action: "stop", index: idlest.index, idleMs };
  return none(quietSince(idlest) + scaling.idleMs);
}

function none(recheckAt: number | undefined): ScaleDecision {
  return { action: "none", recheckAt };
}
