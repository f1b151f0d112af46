/**
 * The worker's life, as the stop signals see it:
 *
 *     loading ──signal──▶ exit 0             (nothing is served yet)
 *     serving ──signal──▶ draining ──drained──▶ exit 0
 *     draining ──signal──▶ draining          (already stopping; the supervisor SIGKILLs at stopTimeout)
 *
 * The site's stop signal (`TSGI_STOP_SIGNAL`, default SIGTERM), SIGTERM and SIGINT all stop it.
 */
import { constants } from "node:os";
import type { Drainable } from "./drain.js";

export type WorkerState =
  { readonly state: "loading" } | { readonly state: "serving"; readonly drainable: Drainable } | { readonly state: "draining" };

export interface StopSignals {
  /** Called once the server listens: from then on a stop signal drains it. */
  serving(drainable: Drainable): void;
}

export interface SignalProcess {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  exit(code: number): void;
}

export function parseStopSignal(value: string | undefined, warn: (message: string) => void): NodeJS.Signals {
  if (value === undefined || value === "") return "SIGTERM";
  const name = (value.startsWith("SIG") ? value : `SIG${value}`).toUpperCase();
  if (name in constants.signals && name !== "SIGKILL" && name !== "SIGSTOP") return name as NodeJS.Signals;
  warn(`TSGI_STOP_SIGNAL=${value} is not a signal the worker can catch; stopping on SIGTERM`);
  return "SIGTERM";
}

export function installStopSignals(stopSignal: NodeJS.Signals, proc: SignalProcess): StopSignals {
  let current: WorkerState = { state: "loading" };
  const onSignal = (): void => {
    switch (current.state) {
      case "loading":
        proc.exit(0);
        return;
      case "serving": {
        const { drainable } = current;
        current = { state: "draining" };
        void drainable.drain().then(() => proc.exit(0));
        return;
      }
      case "draining":
        return;
      default:
        throw unknownState(current);
    }
  };
  for (const signal of new Set<NodeJS.Signals>([stopSignal, "SIGTERM", "SIGINT"])) proc.on(signal, onSignal);
  return {
    serving(drainable) {
      if (current.state === "loading") current = { state: "serving", drainable };
    },
  };
}

function unknownState(state: never): Error {
  return new Error(`unknown worker state: ${JSON.stringify(state)}`);
}
