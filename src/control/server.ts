/**
 * The control socket: HTTP with JSON bodies over a unix socket, mode 0600, nothing on TCP. The
 * paths and every answer's shape are in `protocol.ts`. `GET /v1/events`
 * (the dashboard's feed, NDJSON: status, samples, events) is served here too.
 */
import fs from "node:fs";
import type http from "node:http";
import net from "node:net";
import type { SupervisorFeed } from "../dashboard/feed.js";
import type { Log } from "../logging/logger.js";
import type { Site } from "../supervisor/site.js";
import type { Supervisor } from "../supervisor/supervisor.js";
import {
  ALL_SITES,
  CONTROL_ACTIONS,
  isControlAction,
  type ControlAnswer,
  type OpOutcome,
  type ReloadConfigAnswer,
  type SiteStatus,
  type SupervisorAnswer,
} from "./protocol.js";
import { claimSocketPath } from "./socket-file.js";
import { sitesStatus } from "./status.js";

export interface ControlDeps {
  readonly supervisor: Supervisor;
  readonly log: Log;
  /** Re-reads sites.yaml and applies it (shared with SIGHUP and the file watcher). */
  readonly reloadConfig: () => Promise<ReloadConfigAnswer>;
  /** The dashboard's feed (`GET /v1/events`), created on first use. */
  readonly feed?: () => Promise<SupervisorFeed>;
  /** The development router's URL of a site, when the router is on. */
  readonly routerUrl?: (name: string) => string | undefined;
  /** A client connected: whatever may be asked next can be made ready (the host's migration lock). */
  readonly connected?: () => void;
}

const MAX_BODY = 64 * 1024;

export interface ControlServer {
  close(): Promise<void>;
}

export async function startControlServer(socketPath: string, deps: ControlDeps): Promise<ControlServer> {
  const claim = await claimSocketPath(socketPath);
  if (!claim.ok) throw new ControlSocketBusy(claim.message);
  // The socket is listened on with net alone, and node:http (nine modules of Node's own) loaded
  // at the first connection, not before the sites start. Its server takes each connection as
  // if it had accepted it; the sockets are kept here, as it tracks only those it listened for.
  let served: http.Server | undefined;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    deps.connected?.();
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    served ??= process.getBuiltinModule("node:http").createServer(controlHandler(deps));
    served.emit("connection", socket);
  });
  // The socket must never be connectable by others, not even for the instant between bind and
  // chmod: the umask makes bind create it 0600.
  const oldMask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(socketPath, () => resolve());
    });
  } finally {
    process.umask(oldMask);
  }
  fs.chmodSync(socketPath, 0o600);
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }).then(() => fs.rmSync(socketPath, { force: true }));
      return closing;
    },
  };
}

/**
 * The control API's request handler: the unix socket serves it, and so does `supervisor.http`
 * (behind its token) — one implementation of `/v1/`, not two.
 */
export function controlHandler(deps: ControlDeps): http.RequestListener {
  return (request, response) => {
    handle(request, response, deps).catch((error: unknown) => {
      // The rest of an oversized body is read and dropped (see drainBody), so the client gets
      // to read this answer instead of a broken pipe.
      if (error instanceof BodyTooLarge) return send(response, 413, { error: error.message });
      send(response, 500, { error: error instanceof Error ? error.message : String(error) });
    });
  };
}

export class ControlSocketBusy extends Error {}

class BodyTooLarge extends Error {}

async function handle(request: http.IncomingMessage, response: http.ServerResponse, deps: ControlDeps): Promise<void> {
  const url = new URL(request.url ?? "/", "http://tsgi");
  const parts = url.pathname.split("/").filter(Boolean);
  const method = request.method ?? "GET";
  await drainBody(request);
  if (parts[0] !== "v1") return send(response, 404, { error: `unknown path ${url.pathname}; the API lives under /v1` });
  if (parts[1] === "reload-config" && parts.length === 2) {
    if (method !== "POST") return send(response, 405, { error: "use POST /v1/reload-config" });
    const outcome = await deps.reloadConfig();
    return send(response, outcome.ok ? 200 : 422, outcome);
  }
  if (parts[1] === "supervisor" && parts.length === 2) return send(response, 200, supervisorStatus(deps.supervisor));
  if (parts[1] === "events" && parts.length === 2) return events(response, deps);
  if (parts[1] !== "sites") return send(response, 404, { error: `unknown path ${url.pathname}` });
  const supervisor = deps.supervisor;
  if (parts.length === 2) {
    if (method !== "GET") return send(response, 405, { error: "use GET /v1/sites" });
    return send(response, 200, { sites: withUrls(await sitesStatus(supervisor.sites()), deps) });
  }
  const name = decodeURIComponent(parts[2] ?? "");
  const targets = name === ALL_SITES ? supervisor.sites() : [supervisor.site(name)].filter((s): s is Site => s !== undefined);
  if (targets.length === 0 && name !== ALL_SITES) {
    const known = supervisor.sites().map((s) => s.name);
    return send(response, 404, { error: `no site named \`${name.slice(0, 80)}\`; sites: ${known.join(", ") || "none"}` });
  }
  if (parts.length === 3) {
    if (method !== "GET") return send(response, 405, { error: `use GET /v1/sites/${name}` });
    return send(response, 200, { sites: withUrls(await sitesStatus(targets), deps) });
  }
  const action = parts[3] ?? "";
  if (action === "logs" && parts.length === 4) return logs(url, response, deps.log, targets[0]?.name ?? name);
  if (!isControlAction(action) || parts.length !== 4) {
    return send(response, 404, { error: `unknown action \`${action.slice(0, 40)}\`; actions: ${CONTROL_ACTIONS.join(", ")}, logs` });
  }
  if (method !== "POST") return send(response, 405, { error: `use POST /v1/sites/${name}/${action}` });
  const results: Record<string, OpOutcome> = {};
  await Promise.all(
    targets.map(async (site) => {
      // `start` brings up what the site depends on first (`dependsOn`).
      results[site.name] = action === "start" ? await supervisor.start(site.name) : await site[action]();
    }),
  );
  const ok = Object.values(results).every((r) => r.ok);
  return send(response, ok ? 200 : 500, { ok, results });
}

function withUrls(sites: SiteStatus[], deps: ControlDeps): SiteStatus[] {
  const urlOf = deps.routerUrl;
  return urlOf === undefined ? sites : sites.map((site) => ({ ...site, url: urlOf(site.name) }));
}

function supervisorStatus(supervisor: Supervisor): SupervisorAnswer {
  let fds: number | undefined;
  try {
    fds = fs.readdirSync("/proc/self/fd").length;
  } catch {
    fds = undefined;
  }
  const memory = process.memoryUsage();
  return {
    pid: process.pid,
    uptimeMs: Math.round(process.uptime() * 1000),
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    fds,
    sites: supervisor.sites().length,
    config: supervisor.config.file,
  };
}

function logs(url: URL, response: http.ServerResponse, log: Log, site: string): void {
  const lines = Math.max(0, Math.min(1000, Number(url.searchParams.get("lines") ?? "100") || 0));
  const follow = url.searchParams.get("follow") === "1";
  response.writeHead(200, { "content-type": "application/x-ndjson" });
  for (const line of log.recent.last(site, lines)) response.write(`${JSON.stringify(line)}\n`);
  if (!follow) {
    response.end();
    return;
  }
  const stop = log.recent.follow(site, (line) => response.write(`${JSON.stringify(line)}\n`));
  response.on("close", stop);
}

/** `GET /v1/events`: the dashboard feed as NDJSON — the hello, then every change, until the client goes. */
async function events(response: http.ServerResponse, deps: ControlDeps): Promise<void> {
  if (deps.feed === undefined) return send(response, 404, { error: "this supervisor has no event feed" });
  const feed = await deps.feed();
  response.writeHead(200, { "content-type": "application/x-ndjson", "cache-control": "no-store" });
  const stop = await feed.subscribe((message) => response.write(`${JSON.stringify(message)}\n`));
  // The request itself is over (read to its end above); the client is gone when its socket is.
  if (response.socket === null || response.socket.destroyed) stop();
  else response.on("close", stop);
}

function send(response: http.ServerResponse, status: number, body: ControlAnswer): void {
  if (response.headersSent) return;
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  response.end(text);
}

/** Request bodies are not used; a huge one is refused rather than buffered. */
function drainBody(request: http.IncomingMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        // Refused, not buffered: the rest of the body is discarded as it arrives, up to a bound.
        request.removeAllListeners("data");
        let dropped = 0;
        request.on("data", (more: Buffer) => {
          dropped += more.length;
          if (dropped > 64 * MAX_BODY) request.destroy();
        });
        reject(new BodyTooLarge(`request body over ${MAX_BODY} bytes; control requests carry no body`));
      }
    });
    request.on("end", () => resolve());
    request.on("error", reject);
  });
}
