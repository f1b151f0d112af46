/**
 * The app module's hold on the worker's HTTP server (DESIGN.md, `app:`):
 *
 * - `upgrade(req, socket, head)` receives HTTP upgrade requests (WebSockets: `ws`'s
 *   `handleUpgrade` fits);
 * - `configureServer(server)` is called once with the `http.Server`, after the request
 *   listener is in place and before it listens (socket.io's `attach`, Hono's
 *   `injectWebSocket`); it may return a promise, which is awaited.
 *
 * Read from the app module itself: middleware wraps the application, not these.
 */
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { failed, loaded, type Loaded } from "./failure.js";
import { exportNamed, type Exports } from "./module-exports.js";

export interface ServerHooks {
  readonly upgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => unknown;
  readonly configureServer?: (server: Server) => unknown;
}

export function findServerHooks(namespace: Exports, file: string): Loaded<ServerHooks> {
  const upgrade = exportNamed(namespace, "upgrade");
  const configureServer = exportNamed(namespace, "configureServer");
  for (const [name, value, shape] of [
    ["upgrade", upgrade, "(req, socket, head) => void"],
    ["configureServer", configureServer, "(server) => void"],
  ] as const) {
    if (value !== undefined && typeof value !== "function") {
      return failed({ file, message: `the \`${name}\` export is a ${typeof value}, not a function: expected ${shape}` });
    }
  }
  return loaded({
    ...(typeof upgrade === "function"
      ? { upgrade: (req, socket, head): unknown => Reflect.apply(upgrade, undefined, [req, socket, head]) }
      : {}),
    ...(typeof configureServer === "function"
      ? { configureServer: (server): unknown => Reflect.apply(configureServer, undefined, [server]) }
      : {}),
  } satisfies ServerHooks);
}
