/**
 * What the dashboard and `/metrics` need from a supervisor, and nothing more: the status of
 * every site, and a feed of structured events. In the supervisor it is the supervisor itself
 * (`supervisor-events.ts` adapts its typed events); in `tsgi-supervise dashboard` it is the
 * control socket.
 */
import type { SiteStatus } from "../control/protocol.js";

/** How a process ended, as the restart counter labels it (`reason`). */
export type ExitCause =
  | { readonly reason: "exit-code"; readonly code: number }
  | { readonly reason: "signal"; readonly signal: string }
  | { readonly reason: "not-ready" }
  | { readonly reason: "spawn-error" };

export type SupervisorEvent =
  | {
      readonly type: "state";
      readonly time: number;
      readonly site: string;
      readonly from: string;
      readonly to: string;
      readonly detail: string | undefined;
    }
  | { readonly type: "process-started"; readonly time: number; readonly site: string; readonly index: number; readonly pid: number }
  /** A process ended without being asked to (a crash, or a clean exit where `restart` says so). */
  | {
      readonly type: "process-exited";
      readonly time: number;
      readonly site: string;
      readonly index: number;
      readonly pid: number;
      readonly cause: ExitCause;
      readonly uptimeMs: number;
      readonly detail: string;
    }
  /** The process will be started again after `delayMs`; `cause` is how the last one ended. */
  | {
      readonly type: "restart";
      readonly time: number;
      readonly site: string;
      readonly index: number;
      readonly cause: ExitCause;
      readonly delayMs: number;
      readonly detail: string;
    }
  | { readonly type: "started"; readonly time: number; readonly site: string; readonly durationMs: number }
  | { readonly type: "start-failed"; readonly time: number; readonly site: string; readonly error: string }
  | {
      readonly type: "reload";
      readonly time: number;
      readonly site: string;
      readonly ok: boolean;
      readonly durationMs: number;
      readonly detail: string;
    }
  | {
      readonly type: "config";
      readonly time: number;
      readonly ok: true;
      readonly added: readonly string[];
      readonly removed: readonly string[];
      readonly changed: readonly string[];
    }
  | { readonly type: "config"; readonly time: number; readonly ok: false; readonly errors: string };

export type EventListener = (event: SupervisorEvent) => void;

export interface SupervisorView {
  status(): Promise<SiteStatus[]>;
  subscribe(listener: EventListener): () => void;
}
