/**
 * The development router (`supervisor.router`, `--router [PORT]`): one HTTP server in the
 * supervisor that routes by Host header — `NAME.DOMAIN:PORT` to site NAME's socket, TCP or unix,
 * WebSocket upgrades included; `DOMAIN:PORT` to the index of every site. The proxying itself is
 * http-proxy-3's (keep-alive upstream through one agent, streaming both ways, Host kept,
 * `X-Forwarded-For/-Host/-Proto/-Port` added); this module decides where a request goes and
 * answers the requests no site can: waits, error pages, the index, unknown names.
 *
 * Loaded only when the router is on (`cli/run.ts` imports it dynamically): http-proxy-3 stays
 * off the supervisor's start path otherwise.
 */
import http from "node:http";
import type net from "node:net";
import { createProxyServer, type ProxyTarget } from "http-proxy-3";
import type { RouterPlan } from "../config/types.js";
import { suggest } from "../config/suggest.js";
import type { Log } from "../logging/logger.js";
import type { Site } from "../supervisor/site.js";
import type { Supervisor } from "../supervisor/supervisor.js";
import type { Clock } from "../time/clock.js";
import { routeHost, routerIndexUrl, routerUrl, type RouteTable } from "./host-route.js";
import { FailedReloads } from "./failed-reloads.js";
import { ERROR_PAGE_LOG_LINES, errorPage, indexPage, unknownSitePage } from "./pages.js";
import { gateDecision, waitWhileStarting, wakeOnRequest, type GateDecision } from "./site-gate.js";

export interface RouterDeps {
  readonly supervisor: Supervisor;
  readonly log: Log;
  readonly clock: Clock;
}

export interface Router {
  /** `http://NAME.DOMAIN:PORT/` of a site with an address, else undefined. */
  urlOf(name: string): string | undefined;
  readonly indexUrl: string;
  close(): Promise<void>;
}

export type RouterStart = { readonly ok: true; readonly router: Router } | { readonly ok: false; readonly message: string };

/** What the router answers instead of the site: a page, with its status. */
interface Answer {
  readonly status: number;
  readonly html: string;
}

export async function startRouter(plan: RouterPlan, deps: RouterDeps): Promise<RouterStart> {
  const { supervisor } = deps;
  // One keep-alive agent for every site: it pools per address (a unix path included), so each
  // site's upstream connections are reused across requests.
  const agent = new http.Agent({ keepAlive: true, maxFreeSockets: 64 });
  const proxy = createProxyServer({ xfwd: true, ws: true, agent });
  proxy.on("error", () => {
    // Errors are handled per request (the callbacks below); this keeps a stray one from
    // becoming an uncaught 'error' event.
  });

  const failedReloads = new FailedReloads(supervisor.events);
  // From the configuration, not the live sites: the banner asks before the sites are created.
  const urlOf = (name: string): string | undefined =>
    supervisor.config.sites.find((site) => site.name === name)?.listen === undefined ? undefined : routerUrl(plan, name);
  const table = (): RouteTable => ({
    domain: plan.domain,
    sites: new Set(supervisor.sites().map((site) => site.name)),
    // A site's `hosts:` answer too (with or without the router's port), as a front server would route them.
    hosts: new Map(supervisor.config.sites.flatMap((site) => site.hosts.map((host) => [host, site.name] as const))),
  });

  /** Where the request goes: a site ready to be proxied to, or a page to answer with. */
  const decide = async (
    host: string | undefined,
    signal: AbortSignal,
    upgrade: boolean,
  ): Promise<{ site: Site; target: ProxyTarget } | Answer> => {
    const route = routeHost(host, table());
    switch (route.kind) {
      case "index":
        return { status: 200, html: indexPage(supervisor.sites().map((site) => ({ snapshot: site.snapshot(), url: urlOf(site.name) }))) };
      case "unknown": {
        const known = supervisor.sites().map((site) => ({ name: site.name, url: urlOf(site.name) }));
        return {
          status: 404,
          html: unknownSitePage(
            route.name,
            known,
            suggest(
              route.name,
              known.map((k) => k.name),
            ),
          ),
        };
      }
      case "site":
        break;
      default:
        throw new Error(`unknown route ${(route satisfies never as { kind: string }).kind}`);
    }
    const site = supervisor.site(route.name);
    const listen = site?.config.listen;
    if (site === undefined || listen === undefined) {
      return { status: 502, html: unknownSitePage(`${route.name} (it has no listen: address to route to)`, [], undefined) };
    }
    let decision: GateDecision = gateDecision(site.state);
    if (decision.kind === "wait") {
      // The wait is bounded by the site's own startTimeout (plus a little: its start gives up first).
      decision = gateDecision(
        await waitWhileStarting(site, { events: supervisor.events, clock: deps.clock }, site.config.startTimeoutMs + 1000, signal),
      );
      if (decision.kind === "wait") decision = { kind: "error", status: 503, headline: "still starting" };
    }
    // A page load after a failed reload shows its error rather than the old code; WebSockets
    // (a dev server's HMR channel) stay on the old generation until the fix lands.
    const failedReload = upgrade ? undefined : failedReloads.of(site.name);
    if (decision.kind === "proxy" && failedReload !== undefined) {
      decision = { kind: "error", status: 502, headline: "the last reload failed; the previous code still runs until a save fixes it" };
    }
    if (decision.kind === "error") {
      return {
        status: decision.status,
        html: errorPage({
          snapshot: site.snapshot(),
          headline: decision.headline,
          detail: failedReload,
          lines: deps.log.recent.last(site.name, ERROR_PAGE_LOG_LINES),
          indexUrl: routerIndexUrl(plan),
        }),
      };
    }
    if (wakeOnRequest(site.state)) deps.log.event("info", "request through the router wakes the idle site", site.name);
    const target: ProxyTarget =
      listen.type === "unix" ? { socketPath: listen.path, host: "localhost", port: 80 } : { host: listen.host, port: listen.port };
    return { site, target };
  };

  const server = http.createServer((req, res) => {
    const abort = new AbortController();
    res.once("close", () => abort.abort());
    void decide(req.headers.host, abort.signal, false).then((where) => {
      if (res.destroyed) return;
      if ("html" in where) return sendPage(res, where);
      proxy.web(req, res, { target: where.target }, (error) => {
        if (!res.headersSent && !res.destroyed) {
          sendPage(res, { status: 502, html: errorAfterConnect(where.site, error, deps, plan) });
        } else res.destroy();
      });
    });
  });
  server.on("upgrade", (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    const abort = new AbortController();
    socket.once("close", () => abort.abort());
    socket.on("error", () => socket.destroy());
    void decide(req.headers.host, abort.signal, true).then((where) => {
      if (socket.destroyed) return;
      if ("html" in where) {
        socket.end(
          `HTTP/1.1 ${where.status} ${http.STATUS_CODES[where.status] ?? ""}\r\ncontent-type: text/html; charset=utf-8\r\nconnection: close\r\n\r\n${where.html}`,
        );
        return;
      }
      proxy.ws(req, socket, head, { target: where.target }, () => socket.destroy());
    });
  });
  // Keep-alive connections from browsers idle longer than Node's 5 s default between page loads.
  server.keepAliveTimeout = 65_000;

  const listening = await new Promise<string | undefined>((resolve) => {
    server.once("error", (error: NodeJS.ErrnoException) => resolve(`${error.code ?? "error"}: ${error.message}`));
    server.listen(plan.listen.port, plan.listen.host, () => resolve(undefined));
  });
  if (listening !== undefined) {
    agent.destroy();
    return {
      ok: false,
      message: `the router cannot listen on ${plan.listen.host}:${plan.listen.port} (${listening}); pick another port with --router PORT`,
    };
  }

  let closing: Promise<void> | undefined;
  return {
    ok: true,
    router: {
      urlOf,
      indexUrl: routerIndexUrl(plan),
      close() {
        closing ??= new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
          agent.destroy();
          failedReloads.close();
        });
        return closing;
      },
    },
  };
}

function sendPage(res: http.ServerResponse, answer: Answer): void {
  res.writeHead(answer.status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
  res.end(answer.html);
}

/** The site was serving when the request came in but refused or dropped it (it just crashed). */
function errorAfterConnect(site: Site, error: Error, deps: RouterDeps, plan: RouterPlan): string {
  return errorPage({
    snapshot: site.snapshot(),
    headline: `the site did not answer: ${error.message}`,
    lines: deps.log.recent.last(site.name, ERROR_PAGE_LOG_LINES),
    indexUrl: routerIndexUrl(plan),
  });
}
