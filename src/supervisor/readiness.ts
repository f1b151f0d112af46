/**
 * When is a new process ready? Per rule, and always for *this* process — a reload's old
 * generation shares the listening socket and must never be mistaken for the new one:
 * - `notify`: the process's own notify pipe says `ready` (tsgi's worker, gunicorn's hook);
 * - `log`: a line of this process's own output matches;
 * - `delay`: the process stayed up that long;
 * - `http`: a probe through the site's socket was accepted by this process's group (checked in
 *   /proc before the request is sent — see `http-probe.ts`) and answers below 500.
 */
import type { ReadyRule } from "../config/types.js";
import { describeReported } from "../protocol/notify.js";
import type { BoundSocket } from "../sockets/bind.js";
import { sleep, type Clock } from "../time/clock.js";
import type { ProcessHandle } from "./process-handle.js";
import { probeHttp } from "./http-probe.js";

export type ReadyOutcome =
  { readonly ok: true } | { readonly ok: false; readonly reason: "exited" | "timeout" | "error" | "cancelled"; readonly message: string };

export interface ReadyContext {
  readonly rule: ReadyRule;
  readonly socket: BoundSocket | undefined;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly clock: Clock;
}

export function waitReady(proc: ProcessHandle, context: ReadyContext): Promise<ReadyOutcome> {
  return new Promise<ReadyOutcome>((resolve) => {
    const cleanups: (() => void)[] = [];
    let settled = false;
    const finish = (outcome: ReadyOutcome): void => {
      if (settled) return;
      settled = true;
      for (const cleanup of cleanups) cleanup();
      resolve(outcome);
    };
    const clock = context.clock;
    const timer = clock.setTimeout(
      () => finish({ ok: false, reason: "timeout", message: `not ready within ${context.timeoutMs} ms (startTimeout)` }),
      context.timeoutMs,
    );
    cleanups.push(() => clock.clearTimeout(timer));
    const onAbort = (): void => finish({ ok: false, reason: "cancelled", message: "cancelled" });
    context.signal.addEventListener("abort", onAbort);
    cleanups.push(() => context.signal.removeEventListener("abort", onAbort));
    void proc.exited.then((exit) => {
      const how =
        exit.reason === "exit-code"
          ? `exited with code ${exit.code}`
          : exit.reason === "signal"
            ? `was killed by ${exit.signal}`
            : exit.message;
      const detail = proc.lastError?.type === "error" ? `: ${describeReported(proc.lastError)}` : "";
      finish({ ok: false, reason: "exited", message: `${how} before it was ready${detail}` });
    });
    cleanups.push(
      proc.onNotify((message) => {
        if (message.type === "error") finish({ ok: false, reason: "error", message: describeReported(message) });
      }),
    );

    const rule = context.rule;
    switch (rule.type) {
      case "notify":
        cleanups.push(proc.onNotify((message) => message.type === "ready" && finish({ ok: true })));
        break;
      case "log": {
        const pattern = new RegExp(rule.pattern);
        cleanups.push(proc.onLine((line) => pattern.test(line) && finish({ ok: true })));
        break;
      }
      case "delay": {
        const delayTimer = clock.setTimeout(() => finish({ ok: true }), rule.ms);
        cleanups.push(() => clock.clearTimeout(delayTimer));
        break;
      }
      case "http": {
        if (context.socket === undefined) {
          finish({ ok: false, reason: "error", message: "ready: {http} needs listen:" });
          break;
        }
        const socket = context.socket;
        const loop = async (): Promise<void> => {
          while (!settled) {
            if (await probeHttp(socket.address, rule.path, proc.pid, clock)) return finish({ ok: true });
            await sleep(clock, 100);
          }
        };
        void loop();
        break;
      }
      default:
        throw new Error(`unknown ready rule ${JSON.stringify(rule satisfies never)}`);
    }
  });
}
