/**
 * One GET on a fresh connection (no keep-alive), so every request goes through the accept path
 * of whatever serves the port. Failures are values, classified the way the tables count them.
 */
import http from "node:http";

export type FailureKind = "refused" | "reset" | "timeout" | "status" | "other";

export type Answer =
  | { readonly ok: true; readonly status: number; readonly body: string; readonly ms: number }
  | { readonly ok: false; readonly kind: FailureKind; readonly detail: string; readonly ms: number };

export interface FixtureBody {
  readonly pid: number;
  readonly settings: string | null;
  readonly version: string;
}

export function get(port: number, path = "/", timeoutMs = 5000): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve) => {
    let done = false;
    const finish = (answer: Answer): void => {
      if (!done) {
        done = true;
        resolve(answer);
      }
    };
    const request = http.get({ host: "127.0.0.1", port, path, agent: false, timeout: timeoutMs }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => {
        const ms = performance.now() - started;
        const status = response.statusCode ?? 0;
        finish(status === 200 ? { ok: true, status, body, ms } : { ok: false, kind: "status", detail: `status ${status}`, ms });
      });
      response.on("error", (error) => finish(failure(error, started)));
    });
    request.on("timeout", () => {
      finish({ ok: false, kind: "timeout", detail: `no answer within ${timeoutMs} ms`, ms: performance.now() - started });
      request.destroy();
    });
    request.on("error", (error) => finish(failure(error, started)));
  });
}

function failure(error: Error, started: number): Answer {
  const code = (error as { code?: string }).code ?? "";
  const kind: FailureKind =
    code === "ECONNREFUSED"
      ? "refused"
      : code === "ECONNRESET" || code === "EPIPE" || error.message.includes("socket hang up")
        ? "reset"
        : "other";
  return { ok: false, kind, detail: code === "" ? error.message : code, ms: performance.now() - started };
}

/** The fixture's JSON answer, or undefined for anything else (a Django page, a failure). */
export function fixtureBody(answer: Answer): FixtureBody | undefined {
  if (!answer.ok) return undefined;
  try {
    return JSON.parse(answer.body) as FixtureBody;
  } catch {
    return undefined;
  }
}

export async function pidServing(port: number, path = "/"): Promise<number | undefined> {
  const body = fixtureBody(await get(port, path, 3000));
  return body?.pid;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls one port with back-to-back GETs (`gapMs` after a failure) until `accept(answer)` holds
 * or `timeoutMs` passes. Returns the time it took, or undefined on timeout. A probe gets at most
 * 3 s to answer; `hung` counts the probes that did not (a connection accepted and never served).
 */
export async function pollUntil(
  port: number,
  accept: (answer: Answer) => boolean,
  options: { timeoutMs: number; gapMs?: number; path?: string; since?: number; hung?: { count: number } },
): Promise<number | undefined> {
  const since = options.since ?? performance.now();
  const deadline = since + options.timeoutMs;
  while (performance.now() < deadline) {
    const answer = await get(port, options.path ?? "/", Math.max(50, Math.min(3000, deadline - performance.now())));
    if (accept(answer)) return performance.now() - since;
    if (!answer.ok && answer.kind === "timeout" && options.hung !== undefined) options.hung.count += 1;
    await sleep(answer.ok ? 1 : (options.gapMs ?? 2));
  }
  return undefined;
}

/**
 * Waits until every port answers 200: round-robin over the ports not yet serving, one probe per
 * port every `intervalMs`, so 100 ports cost the machine little while it starts 100 sites.
 * Returns ms from `since` to the last port serving, or undefined when `timeoutMs` passed.
 */
export async function waitAllServing(
  ports: readonly number[],
  options: { since: number; timeoutMs: number; intervalMs: number; path?: string },
): Promise<{ ms: number | undefined; serving: number }> {
  const pending = new Set(ports);
  const deadline = options.since + options.timeoutMs;
  let last = 0;
  while (pending.size > 0 && performance.now() < deadline) {
    const round = performance.now();
    await Promise.all(
      [...pending].map(async (port) => {
        const answer = await get(port, options.path ?? "/", 2000);
        if (answer.ok) {
          pending.delete(port);
          last = Math.max(last, performance.now());
        }
      }),
    );
    const wait = options.intervalMs - (performance.now() - round);
    if (pending.size > 0 && wait > 0) await sleep(wait);
  }
  return { ms: pending.size === 0 ? last - options.since : undefined, serving: ports.length - pending.size };
}
