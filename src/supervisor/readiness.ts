/**
 * When is a new process ready? Per rule, and always for *this* process — a reload's old
 * generation shares the listening socket and must never be mistaken for the new one:
 * - `notify`: the process's own notify pipe says `ready` (tsgi's worker, gunicorn's hook);
 * - `log`: a line of this process's own output matches;
 * - `delay`: the process stayed up that long;
 * - `http`: a probe through the site's socket answers below 500 *and* the connection was
 *   accepted by this process's group (checked in /proc — see `socket-owner.ts`).
 */
import http from "node:http";
import type { ReadyRule } from "../config/types.js";
import { describeReported } from "../protocol/notify.js";
import type { BoundSocket } from "../sockets/bind.js";
import { sleep, type Clock } from "../time/clock.js";
import type { ProcessHandle } from "./process-handle.js";
import { connectionOwnedByGroup } from "./socket-owner.js";

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
            if (await probeOnce(socket, rule.path, proc.pid)) return finish({ ok: true });
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

/** One probe: true when this process's group accepted the connection and answered below 500. */
function probeOnce(socket: BoundSocket, path: string, pgid: number): Promise<boolean> {
  const address = socket.address;
  return new Promise((resolve) => {
    const request = http.request(
      {
        ...(address.type === "tcp" ? { host: address.host, port: address.port } : { socketPath: address.path }),
        path,
        method: "GET",
        agent: false,
        timeout: 2000,
        // keep-alive: the server must keep its side open until the owner check has read /proc.
        headers: { "user-agent": "tsgi-ready-probe", connection: "keep-alive" },
      },
      (response) => {
        const status = response.statusCode ?? 500;
        const local = response.socket.localPort;
        // Checked while the connection is still open, so its server side is still in /proc.
        const owned =
          address.type === "tcp" && local !== undefined ? connectionOwnedByGroup(address.port, local, pgid) : Promise.resolve(true);
        void owned.then((ok) => {
          response.resume();
          request.destroy();
          resolve(ok && status < 500);
        });
      },
    );
    request.on("timeout", () => request.destroy());
    request.on("error", () => resolve(false));
    request.end();
  });
}
