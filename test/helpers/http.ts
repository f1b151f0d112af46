import http from "node:http";

export interface Answer {
  readonly status: number;
  readonly body: string;
  readonly headers: http.IncomingHttpHeaders;
}

/** One GET on a fresh connection (no keep-alive), so each request tests the accept path. */
export function get(port: number, path = "/", timeoutMs = 5000, host = "127.0.0.1"): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host, port, path, agent: false, timeout: timeoutMs }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body, headers: response.headers }));
      response.on("error", reject);
    });
    request.on("timeout", () => request.destroy(new Error(`GET ${path} timed out after ${timeoutMs} ms`)));
    request.on("error", reject);
  });
}

export function getJson<T>(port: number, path = "/"): Promise<T> {
  return get(port, path).then((answer) => JSON.parse(answer.body) as T);
}

export interface LoadReport {
  readonly sent: number;
  readonly ok: number;
  readonly failed: number;
  readonly errors: readonly string[];
  /** Bodies of successful answers, in order. */
  readonly bodies: readonly string[];
}

/**
 * A bounded load loop on loopback: `rate` requests per second on fresh connections until
 * `stop()` is called or `maxMs` passes, whichever is first.
 */
export function loadLoop(port: number, options: { rate?: number; maxMs?: number; path?: string } = {}): { stop(): Promise<LoadReport> } {
  const rate = options.rate ?? 100;
  const maxMs = options.maxMs ?? 30_000;
  const started = Date.now();
  let stopped = false;
  let sent = 0;
  let ok = 0;
  const errors: string[] = [];
  const bodies: string[] = [];
  const inflight = new Set<Promise<void>>();
  const timer = setInterval(() => {
    if (stopped || Date.now() - started > maxMs) return;
    sent += 1;
    const p: Promise<void> = get(port, options.path ?? "/", 10_000)
      .then((answer) => {
        if (answer.status === 200) {
          ok += 1;
          bodies.push(answer.body);
        } else errors.push(`status ${answer.status}`);
      })
      .catch((error: unknown) => {
        errors.push(error instanceof Error ? error.message : String(error));
      })
      .finally(() => inflight.delete(p));
    inflight.add(p);
  }, 1000 / rate);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await Promise.all([...inflight]);
      return { sent, ok, failed: errors.length, errors, bodies };
    },
  };
}
