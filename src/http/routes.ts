/**
 * What the TCP listener serves, every path behind the token:
 *
 *   GET /              the dashboard page      GET /assets/…   its scripts, styles, uPlot
 *   GET /events        the live feed (SSE)     /v1/…           the control API (the same handler as the unix socket)
 *   GET /metrics       Prometheus text format (with `supervisor.http`, not `dashboard`)
 */
import type http from "node:http";
import { asset, isAsset } from "../dashboard/assets.js";
import { serveEvents, type FeedLike } from "../dashboard/sse.js";
import type { Auth } from "./auth.js";

export interface RouteDeps {
  readonly auth: Auth;
  /** The control API: `controlHandler` in the supervisor, a pipe to the control socket in `dashboard`. */
  readonly control: http.RequestListener;
  readonly feed: FeedLike;
  /** The scrape, when metrics are served here. */
  readonly metrics?: () => Promise<{ readonly type: string; readonly body: string }>;
}

/** The page runs only its own files: no inline script, nothing from elsewhere, never framed. */
const PAGE_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

export function routes(deps: RouteDeps): http.RequestListener {
  return (request, response) => {
    void route(request, response, deps).catch((error: unknown) => {
      if (!response.headersSent) text(response, 500, `internal error: ${error instanceof Error ? error.message : String(error)}\n`);
      else response.destroy();
    });
  };
}

async function route(request: http.IncomingMessage, response: http.ServerResponse, deps: RouteDeps): Promise<void> {
  const decision = deps.auth.check(request);
  switch (decision.kind) {
    case "ok":
      break;
    case "login":
      response.writeHead(303, { location: decision.location, "set-cookie": decision.cookie, "cache-control": "no-store", ...PAGE_HEADERS });
      response.end();
      return;
    case "unauthorized":
      request.resume();
      return text(
        response,
        401,
        `401 Unauthorized (${decision.why}): send \`Authorization: Bearer TOKEN\`, or open /?token=TOKEN once in a browser — the token is supervisor.http.token, or the one \`tsgi-supervise dashboard\` printed\n`,
        { "www-authenticate": 'Bearer realm="tsgi"' },
      );
    default:
      throw new Error(`unknown decision ${JSON.stringify(decision satisfies never)}`);
  }
  const { pathname } = new URL(request.url ?? "/", "http://tsgi");
  if (pathname === "/v1" || pathname.startsWith("/v1/")) return deps.control(request, response);
  const method = request.method ?? "GET";
  if (method !== "GET" && method !== "HEAD") {
    request.resume();
    return text(response, 405, `use GET ${pathname}\n`);
  }
  if (pathname === "/events") return serveEvents(response, deps.feed);
  if (pathname === "/metrics") {
    if (deps.metrics === undefined) return text(response, 404, "metrics are served by the supervisor's own listener (supervisor.http)\n");
    const scrape = await deps.metrics();
    return text(response, 200, scrape.body, { "content-type": scrape.type });
  }
  if (isAsset(pathname)) {
    const file = await asset(pathname);
    if (file === undefined) return text(response, 404, "not found\n");
    response.writeHead(200, {
      "content-type": file.type,
      "content-length": file.body.length,
      "cache-control": "no-cache",
      ...PAGE_HEADERS,
    });
    response.end(method === "HEAD" ? undefined : file.body);
    return;
  }
  return text(response, 404, `nothing at ${pathname.slice(0, 100)}: the dashboard is at /, the API under /v1/, metrics at /metrics\n`);
}

function text(response: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, {
    "content-type": "text/plain; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    ...headers,
  });
  response.end(body);
}
