/**
 * What the router does with a request for a site in a given state — a pure decision — and the
 * bounded wait for a site that is on its way to serving.
 *
 *   running, reloading (the old generation serves) ─▶ proxy
 *   idle ─▶ proxy: the connection is what wakes an on-demand site (see `wakeOnRequest`)
 *   starting ─▶ wait for the next state (bounded by startTimeout), then decide again
 *   backoff, exited ─▶ 502 page (it crashed; the page refreshes until it serves)
 *   fatal, stopped, stopping ─▶ 503 page
 */
import type { SiteState } from "../supervisor/site-state.js";
import type { Site } from "../supervisor/site.js";
import type { SupervisorEvents } from "../supervisor/events.js";
import type { Clock } from "../time/clock.js";

export type GateDecision =
  | { readonly kind: "proxy" }
  | { readonly kind: "wait" }
  | { readonly kind: "error"; readonly status: 502 | 503; readonly headline: string };

export function gateDecision(state: SiteState): GateDecision {
  switch (state.kind) {
    case "running":
    case "reloading":
    case "idle":
      return { kind: "proxy" };
    case "starting":
      return { kind: "wait" };
    case "backoff":
      return { kind: "error", status: 502, headline: `crashed (${state.lastExit}); restarting` };
    case "exited":
      return { kind: "error", status: 502, headline: `exited (${state.lastExit})` };
    case "fatal":
      return {
        kind: "error",
        status: 503,
        headline: state.cause === "crash-loop" ? "gave up after crashing repeatedly" : "failed to start",
      };
    case "stopped":
      return { kind: "error", status: 503, headline: "stopped" };
    case "stopping":
      return { kind: "error", status: 503, headline: "stopping" };
    default:
      throw new Error(`unknown site state ${(state satisfies never as SiteState).kind}`);
  }
}

/**
 * An on-demand (`idle`) site starts on its first connection to its socket, so the router only
 * has to connect: the request then waits in the socket's queue like any client's, and the
 * supervisor's own wake-up path runs. Kept as one function so the router never needs to know
 * more about on-demand sites than this.
 */
export function wakeOnRequest(state: SiteState): boolean {
  return state.kind === "idle";
}

/**
 * Resolves with the site's state once it is no longer `starting`, or at `timeoutMs` (then the
 * state it is in). A client that goes away (`signal`) ends the wait at once.
 */
export function waitWhileStarting(
  site: Site,
  deps: { readonly events: SupervisorEvents; readonly clock: Clock },
  timeoutMs: number,
  signal: AbortSignal,
): Promise<SiteState> {
  return new Promise((resolve) => {
    const finish = (): void => {
      deps.clock.clearTimeout(timer);
      unsubscribe();
      signal.removeEventListener("abort", finish);
      resolve(site.state);
    };
    const timer = deps.clock.setTimeout(finish, timeoutMs);
    const unsubscribe = deps.events.on("state", (event) => {
      if (event.site === site.name && event.to.kind !== "starting") finish();
    });
    signal.addEventListener("abort", finish);
    if (site.state.kind !== "starting") finish();
  });
}
