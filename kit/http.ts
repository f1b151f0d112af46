/**
 * GETs on loopback for tests, benchmarks and the chaos run, each on a fresh connection (no
 * keep-alive) so every request goes through the accept path of whatever serves the port.
 *
 * `get` answers with any status and throws when no answer comes; `probe` never throws — its
 * failures are values, classified the way the benchmark tables and load reports count them.
 */
import http from "node:http";
import { setTimeout as sleep } from "node:timers/promises";

export interface Answer {
  readonly status: number;
  readonly body: string;
  readonly headers: http.IncomingHttpHeaders;
  /** From the request to the end of the body. */
  readonly ms: number;
}

export type FailureKind = "refused" | "reset" | "timeout" | "status" | "other";

export type Probe =
  ({ readonly ok: true } & Answer) | { readonly ok: false; readonly kind: FailureKind; readonly detail: string; readonly ms: number };

class NoAnswer extends Error {}

/** One GET; any status is an answer. Rejects when the connection fails or `timeoutMs` passes. */
export function get(port: number, path = "/", timeoutMs = 5000, host = "127.0.0.1"): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const request = http.get({ host, port, path, agent: false, timeout: timeoutMs }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, body, headers: response.headers, ms: performance.now() - started }),
      );
      response.on("error", reject);
    });
    request.on("timeout", () => request.destroy(new NoAnswer(`GET ${path} timed out after ${timeoutMs} ms`)));
    request.on("error", reject);
  });
}

export function getJson<T>(port: number, path = "/"): Promise<T> {
  return get(port, path).then((answer) => JSON.parse(answer.body) as T);
}

/** One GET whose outcome is a value: ok only for a 200. */
export async function probe(port: number, path = "/", timeoutMs = 5000, host = "127.0.0.1"): Promise<Probe> {
  const started = performance.now();
  try {
    const answer = await get(port, path, timeoutMs, host);
    return answer.status === 200
      ? { ok: true, ...answer }
      : { ok: false, kind: "status", detail: `status ${answer.status}`, ms: answer.ms };
  } catch (error) {
    return { ok: false, ...classify(error), ms: performance.now() - started };
  }
}

function classify(error: unknown): { kind: FailureKind; detail: string } {
  if (error instanceof NoAnswer) return { kind: "timeout", detail: error.message };
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ECONNREFUSED") return { kind: "refused", detail: message };
  if (code === "ECONNRESET" || code === "EPIPE" || message.includes("socket hang up")) return { kind: "reset", detail: message };
  return { kind: "other", detail: message };
}

/** What the benchmark fixture answers with. */
export interface FixtureBody {
  readonly pid: number;
  readonly settings: string | null;
  readonly version: string;
}

/** The fixture's JSON answer, or undefined for anything else (a Django page, a failure). */
export function fixtureBody(answer: Probe): FixtureBody | undefined {
  if (!answer.ok) return undefined;
  try {
    return JSON.parse(answer.body) as FixtureBody;
  } catch {
    return undefined;
  }
}

export async function pidServing(port: number, path = "/"): Promise<number | undefined> {
  return fixtureBody(await probe(port, path, 3000))?.pid;
}

/**
 * Polls one port with back-to-back GETs (`gapMs` after a failure) until `accept(answer)` holds
 * or `timeoutMs` passes. Returns the time it took, or undefined on timeout. A probe gets at most
 * 3 s to answer; `hung` counts the probes that did not (a connection accepted and never served).
 */
export async function pollUntil(
  port: number,
  accept: (answer: Probe) => boolean,
  options: { timeoutMs: number; gapMs?: number; path?: string; since?: number; hung?: { count: number } },
): Promise<number | undefined> {
  const since = options.since ?? performance.now();
  const deadline = since + options.timeoutMs;
  while (performance.now() < deadline) {
    const answer = await probe(port, options.path ?? "/", Math.max(50, Math.min(3000, deadline - performance.now())));
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
        const answer = await probe(port, options.path ?? "/", 2000);
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
