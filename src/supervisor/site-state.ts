/**
 * A site's state, with the data valid in each, derived from what its slots are doing and the
 * operation under way — a pure function, so the state can never disagree with the slots.
 *
 * ```
 *            start                 every process ready
 *  stopped ────────► starting ─────────────────────────► running ◄───────────┐
 *   ▲  ▲                ▲ │ a process waits to restart      │ reload         │ new generation ready
 *   │  │          timer │ ▼                                 ▼                │ (or failed: old kept)
 *   │  │              backoff                           reloading ───────────┘
 *   │  │ stop                                               │
 *   │ stopping ◄─────────────── stop (from any state) ──────┘
 *   │
 *   │ exited: every process ended and stays down (restart: never / on-failure after exit 0)
 *   │ fatal:  cause `crash-loop` (more crashes than maxRestarts allows; the other processes are
 *   │         stopped) or `preparation` (socket, accounts or preflight failed: nothing started)
 *   └ idle:   a `listen` site with its socket held and no process (on-demand sites); the next
 *             connection starts it. Entered only when the site says so (`idle: true` below).
 * ```
 */
import type { SlotState } from "./process-slot.js";

export type FatalCause = "crash-loop" | "preparation";

export type SiteState =
  | { readonly kind: "stopped" }
  | { readonly kind: "idle" }
  | { readonly kind: "starting"; readonly generation: number }
  | { readonly kind: "running"; readonly generation: number }
  | { readonly kind: "backoff"; readonly generation: number; readonly until: number; readonly lastExit: string }
  /** `generation` serves while `next` starts. */
  | { readonly kind: "reloading"; readonly generation: number; readonly next: number; readonly reason: string | undefined }
  | { readonly kind: "stopping"; readonly generation: number }
  | { readonly kind: "exited"; readonly generation: number; readonly lastExit: string }
  | { readonly kind: "fatal"; readonly cause: FatalCause; readonly reason: string };

export type SiteStateName = SiteState["kind"];

/** The operation a site is running over its slots, if any. */
export type Operation =
  | { readonly kind: "none" }
  | { readonly kind: "stopping" }
  | { readonly kind: "reloading"; readonly next: number; readonly reason: string | undefined };

export interface StateInput {
  readonly operation: Operation;
  /** The generation serving (or starting), by id and its slots' states. */
  readonly current: { readonly id: number; readonly slots: readonly SlotState[] } | undefined;
  /** Why the site gave up, once it has (kept until the next start). */
  readonly fatal: { readonly cause: FatalCause; readonly reason: string } | undefined;
  /** No process, socket held: an on-demand site waiting for its first connection. */
  readonly idle: boolean;
}

export function deriveSiteState(input: StateInput): SiteState {
  const { operation, current } = input;
  switch (operation.kind) {
    case "stopping":
      return { kind: "stopping", generation: current?.id ?? 0 };
    case "reloading":
      return { kind: "reloading", generation: current?.id ?? 0, next: operation.next, reason: operation.reason };
    case "none":
      break;
    default:
      throw unknownState(operation);
  }
  if (current === undefined) {
    if (input.fatal !== undefined) return { kind: "fatal", ...input.fatal };
    return input.idle ? { kind: "idle" } : { kind: "stopped" };
  }
  const slots = current.slots;
  const fatal = slots.find((slot) => slot.kind === "fatal");
  if (fatal !== undefined) return { kind: "fatal", cause: "crash-loop", reason: input.fatal?.reason ?? fatal.reason };
  if (slots.every((slot) => slot.kind === "running")) return { kind: "running", generation: current.id };
  const backoff = slots.find((slot) => slot.kind === "backoff");
  if (backoff !== undefined) return { kind: "backoff", generation: current.id, until: backoff.until, lastExit: backoff.lastExit };
  if (slots.every((slot) => slot.kind === "exited" || slot.kind === "failed" || slot.kind === "stopped")) {
    const last = slots.find((slot) => slot.kind === "exited");
    return { kind: "exited", generation: current.id, lastExit: last?.lastExit ?? "" };
  }
  return { kind: "starting", generation: current.id };
}

function unknownState(state: never): Error {
  return new Error(`unknown state ${JSON.stringify(state)}`);
}
